package dev.sparkft.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Test-side protobuf encoder, to build small ONNX models field by field. */
final class ProtoWriter {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    ProtoWriter varint(int field, long value) {
        tag(field, 0);
        rawVarint(value);
        return this;
    }

    ProtoWriter bytes(int field, byte[] value) {
        tag(field, 2);
        rawVarint(value.length);
        out.writeBytes(value);
        return this;
    }

    /** A length-delimited field that declares {@code declaredLength} bytes but holds {@code value}: a corrupt file. */
    ProtoWriter lyingBytes(int field, long declaredLength, byte[] value) {
        tag(field, 2);
        rawVarint(declaredLength);
        out.writeBytes(value);
        return this;
    }

    /** Bytes appended as they are, e.g. garbage after a valid field. */
    ProtoWriter raw(byte[] value) {
        out.writeBytes(value);
        return this;
    }

    ProtoWriter string(int field, String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    ProtoWriter message(int field, ProtoWriter message) {
        return bytes(field, message.toByteArray());
    }

    /** Repeated int64 in packed form. */
    ProtoWriter packedVarints(int field, long... values) {
        ProtoWriter packed = new ProtoWriter();
        for (long v : values) {
            packed.rawVarint(v);
        }
        return bytes(field, packed.toByteArray());
    }

    /** Repeated float in packed form. */
    ProtoWriter packedFloats(int field, float... values) {
        return bytes(field, littleEndian(values));
    }

    static byte[] littleEndian(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }

    private void tag(int field, int wireType) {
        rawVarint(((long) field << 3) | wireType);
    }

    private void rawVarint(long value) {
        long v = value;
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
