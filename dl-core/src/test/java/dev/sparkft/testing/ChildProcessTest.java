package dev.sparkft.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** The timeout fires on real children: one that sleeps, one that writes more than a pipe holds, then sleeps. */
class ChildProcessTest {
    @Test
    void aChildPastItsTimeoutIsKilledAndTheTestFailsFastWithItsOutput() {
        long start = System.nanoTime();
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> ChildProcess.run(
                List.of("bash", "-c", "echo started; sleep 30"), Duration.ofSeconds(1)));
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds < 10, "took " + seconds + " s");
        assertTrue(e.getMessage().contains("did not finish in 1 s") && e.getMessage().endsWith("started"),
                e.getMessage());
    }

    @Test
    void aChattyChildCannotBlockTheTimeout() {
        long start = System.nanoTime();
        // 2 MB, far more than a pipe's buffer (64 KB), then a last line and a long sleep.
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> ChildProcess.run(
                List.of("bash", "-c", "for i in $(seq 20000); do printf '%099d\\n' $i; done; echo last; sleep 30"),
                Duration.ofSeconds(3)));
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds < 15, "took " + seconds + " s");
        assertTrue(e.getMessage().endsWith("last"), e.getMessage());
        assertEquals(ChildProcess.TAIL_LINES + 1, e.getMessage().lines().count(), "header and the tail");
    }

    @Test
    void aFinishedChildGivesItsExitStatusAndOutput() throws Exception {
        ChildProcess.Result r = ChildProcess.run(List.of("bash", "-c", "echo out; echo err >&2; exit 3"),
                Duration.ofSeconds(30));
        assertEquals(3, r.exitCode());
        assertEquals("out\nerr\n", r.output());
    }
}
