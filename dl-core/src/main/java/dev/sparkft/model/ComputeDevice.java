package dev.sparkft.model;

import java.io.Serializable;

/**
 * Where an executor's model computes: the CPU, or one GPU by its index as the cluster manager numbers it (the
 * address Spark assigns a task in {@code TaskContext.resources()}, e.g. {@code "0"}).
 */
public record ComputeDevice(Kind kind, int index) implements Serializable {
    public enum Kind { CPU, GPU }

    public static final ComputeDevice CPU = new ComputeDevice(Kind.CPU, -1);

    public ComputeDevice {
        if (kind == Kind.GPU && index < 0) {
            throw new IllegalArgumentException("a GPU index must be >= 0, got " + index);
        }
        if (kind == Kind.CPU) {
            index = -1;
        }
    }

    public static ComputeDevice gpu(int index) {
        return new ComputeDevice(Kind.GPU, index);
    }

    /** A GPU from a resource address as Spark reports it; fails naming the address if it is not an index. */
    public static ComputeDevice gpuAddress(String address) {
        try {
            return gpu(Integer.parseInt(address.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("GPU address '" + address + "' assigned to this task is not a device"
                    + " index; the GPU discovery script must report indices such as \"0\", \"1\"");
        }
    }

    public boolean isGpu() {
        return kind == Kind.GPU;
    }

    @Override
    public String toString() {
        return isGpu() ? "gpu:" + index : "cpu";
    }
}
