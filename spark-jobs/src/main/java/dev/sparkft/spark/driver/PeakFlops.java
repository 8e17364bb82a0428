package dev.sparkft.spark.driver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The peak FLOP/s that a run's MFU is stated against: {@code logging.peakFlops} when set (do so for GPU executors:
 * the device's dense fp32 or bf16 peak, whichever the run computes in, times the executors), else an estimate of
 * the executors' CPUs, made from the driver's, as executors are usually alike: task slots × clock × fp32 FLOPs per
 * cycle per core of the widest vector FMA the CPU reports (/proc/cpuinfo flags): AVX-512 64 (two 512-bit FMA units,
 * as Intel's server cores and AMD's Zen 5 have; Zen 4 runs 512-bit operations in two halves, so 32 there), AVX2
 * with FMA 32, else 8. The clock is cpufreq's maximum where the kernel exposes it, else /proc/cpuinfo's current "cpu MHz" (what
 * a virtual machine shows). One task slot is one core: each task's libtorch runs one thread.
 */
record PeakFlops(double flopsPerSecond, String how) {

    static PeakFlops of(double configured, int taskSlots) {
        if (configured > 0) {
            return new PeakFlops(configured, "logging.peakFlops");
        }
        List<String> cpuinfo;
        try {
            cpuinfo = Files.readAllLines(Path.of("/proc/cpuinfo"));
        } catch (IOException e) {
            return new PeakFlops(Double.NaN, "unknown: no /proc/cpuinfo here; set logging.peakFlops");
        }
        String flags = field(cpuinfo, "flags");
        // AMD's Zen 4 (family 25) runs 512-bit operations in two 256-bit halves; Zen 5 (26) at full width.
        boolean halfWidth = field(cpuinfo, "vendor_id").contains("AMD") && field(cpuinfo, "cpu family").equals("25");
        int perCycle;
        String isa;
        if (has(flags, "avx512f")) {
            perCycle = halfWidth ? 32 : 64;
            isa = halfWidth ? "AVX-512 in two halves (Zen 4)" : "AVX-512";
        } else if (has(flags, "avx2") && has(flags, "fma")) {
            perCycle = 32;
            isa = "AVX2 FMA";
        } else {
            perCycle = 8;
            isa = "SSE";
        }
        double ghz = maxGhz();
        String clock = "cpufreq max";
        if (!(ghz > 0)) {
            String mhz = field(cpuinfo, "cpu MHz");
            ghz = mhz.isEmpty() ? Double.NaN : Double.parseDouble(mhz) / 1000;
            clock = "cpu MHz";
        }
        double peak = taskSlots * perCycle * ghz * 1e9;
        return new PeakFlops(peak, String.format(Locale.ROOT, "%d task slots × %d FLOP/cycle (%s, fp32) × %.2f GHz"
                + " (%s) of the driver's CPU", taskSlots, perCycle, isa, ghz, clock));
    }

    /** {@code achieved} as a fraction of the peak; NaN when either is unknown. */
    double utilisation(double achieved) {
        return flopsPerSecond > 0 ? achieved / flopsPerSecond : Double.NaN;
    }

    private static String field(List<String> cpuinfo, String name) {
        for (String line : cpuinfo) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equals(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return "";
    }

    private static boolean has(String flags, String flag) {
        return (" " + flags + " ").contains(" " + flag + " ");
    }

    private static double maxGhz() {
        try {
            return Long.parseLong(Files.readString(Path.of("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq"))
                    .trim()) / 1e6;
        } catch (IOException | NumberFormatException e) {
            return Double.NaN;
        }
    }
}
