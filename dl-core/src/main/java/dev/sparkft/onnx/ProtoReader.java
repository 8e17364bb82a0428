package dev.sparkft.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.function.LongConsumer;

/**
 * A cursor over one protobuf message in the wire format: varints, 32/64-bit fixed fields and
 * length-delimited fields. Only what ONNX's messages use; groups (wire types 3 and 4) are rejected.
 */
final class ProtoReader {

    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    private final ByteBuffer buffer;
    private final String where;
    private int wireType = -1;
    private long field;

    /** {@code where} names the file and message, so that a malformed field can be located. */
    ProtoReader(ByteBuffer message, String where) {
        this.buffer = message.slice().order(ByteOrder.LITTLE_ENDIAN);
        this.where = where;
    }

    boolean hasMore() {
        return buffer.hasRemaining();
    }

    /** Reads the next tag and returns its field number; {@link #wireType()} then tells how to read the value. */
    int nextField() {
        long tag = varint();
        wireType = (int) (tag & 7);
        field = tag >>> 3;
        if (field == 0 || field > Integer.MAX_VALUE) {
            throw malformed("field number " + field);
        }
        return (int) field;
    }

    int wireType() {
        return wireType;
    }

    /** The value of a varint field (int64, int32, enum) whose tag was just read. */
    long readVarint() {
        expect(VARINT);
        return varint();
    }

    private long varint() {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (!buffer.hasRemaining()) {
                throw malformed("truncated varint");
            }
            byte b = buffer.get();
            result |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return result;
            }
        }
        throw malformed("varint longer than 10 bytes");
    }

    int readFixed32() {
        require(4);
        return buffer.getInt();
    }

    long readFixed64() {
        require(8);
        return buffer.getLong();
    }

    /**
     * The bytes of a length-delimited field, as a little-endian view (no copy). The length is checked
     * against the bytes left before anything is sliced, so a corrupt length never allocates.
     */
    ByteBuffer readBytes() {
        expect(LENGTH_DELIMITED);
        long length = varint();
        if (length < 0 || length > buffer.remaining()) {
            throw malformed("length-delimited field of " + length + " bytes, only " + buffer.remaining() + " left");
        }
        ByteBuffer slice = buffer.slice().order(ByteOrder.LITTLE_ENDIAN);
        slice.limit((int) length);
        buffer.position(buffer.position() + (int) length);
        return slice;
    }

    String readString() {
        ByteBuffer bytes = readBytes();
        byte[] array = new byte[bytes.remaining()];
        bytes.get(array);
        return new String(array, StandardCharsets.UTF_8);
    }

    ProtoReader readMessage(String what) {
        return new ProtoReader(readBytes(), where + " > " + what);
    }

    /** Skips the value of the field whose tag was just read. */
    void skip() {
        switch (wireType) {
            case VARINT -> varint();
            case FIXED64 -> require(8).position(buffer.position() + 8);
            case LENGTH_DELIMITED -> readBytes();
            case FIXED32 -> require(4).position(buffer.position() + 4);
            default -> throw malformed("unsupported wire type " + wireType);
        }
    }

    /** Adds a repeated int64 field to {@code out}, whether it was written packed or one value per tag. */
    void readRepeatedVarints(LongConsumer out) {
        if (wireType == LENGTH_DELIMITED) {
            ProtoReader packed = new ProtoReader(readBytes(), where);
            while (packed.hasMore()) {
                out.accept(packed.varint());
            }
        } else {
            out.accept(readVarint());
        }
    }

    void expect(int expectedWireType) {
        if (wireType != expectedWireType) {
            throw malformed("field " + field + " has wire type " + wireType + " where " + expectedWireType
                    + " was expected");
        }
    }

    IllegalArgumentException malformed(String what) {
        return new IllegalArgumentException("malformed ONNX protobuf in " + where + " at byte " + buffer.position()
                + ": " + what + " (is the file a complete ONNX model?)");
    }

    private ByteBuffer require(int bytes) {
        if (buffer.remaining() < bytes) {
            throw malformed("truncated: " + bytes + " bytes needed, " + buffer.remaining() + " left");
        }
        return buffer;
    }
}
