package dev.sparkft.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process' resident memory from /proc/self/status (Linux): current (VmRSS) and peak (VmHWM), in MB. */
final class ProcessMemory {
    private ProcessMemory() {
    }

    static double residentMb() {
        return field("VmRSS:");
    }

    static double peakResidentMb() {
        return field("VmHWM:");
    }

    private static double field(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.substring(name.length()).trim().split("\\s+")[0]) / 1024.0;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/status", e);
        }
        throw new IllegalStateException("/proc/self/status has no " + name + " line");
    }
}
