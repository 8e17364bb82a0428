package dev.sparkft.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.NotSerializableException;
import java.io.ObjectOutputStream;
import org.junit.jupiter.api.Test;

/** Frozen values held in memory: named by content, and never serialised into a task by mistake. */
class FrozenParametersTest {

    /** A stand-in engine architecture: only its serialisability matters here. */
    private record Details(int size) implements EngineArchitecture {
    }

    @Test
    void inMemoryValuesAreNamedByContentAndRefuseSerialisation() {
        float[] values = {1f, 2f, 3f};
        FrozenParameters frozen = FrozenParameters.of(values);
        assertSame(values, frozen.values());
        assertEquals(frozen.id(), FrozenParameters.of(values.clone()).id(), "same values, same cached models");
        assertNotEquals(frozen.id(), FrozenParameters.of(new float[] {1f, 2f, 4f}).id());

        ModelArchitecture architecture = new ModelArchitecture("e", new Details(3)).withFrozen(frozen);
        assertTrue(architecture.cacheKey().endsWith("@" + frozen.id()));
        NotSerializableException e = assertThrows(NotSerializableException.class, () -> {
            try (ObjectOutputStream out = new ObjectOutputStream(new ByteArrayOutputStream())) {
                out.writeObject(architecture);
            }
        });
        assertTrue(e.getMessage().contains("must travel as a broadcast"), e.getMessage());
    }
}
