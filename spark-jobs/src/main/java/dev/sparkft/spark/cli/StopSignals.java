package dev.sparkft.spark.cli;

import java.io.PrintStream;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * SIGTERM (a scheduler stopping the job) and SIGINT (Ctrl-C) ask the run to stop after the round in flight,
 * once it has checkpointed, instead of ending the JVM mid-step; a second signal exits at once. Without this
 * the JVM's default handler would exit and lose every step since the last periodic checkpoint.
 *
 * <p>The JDK's only signal API is {@code sun.misc.Signal} (module jdk.unsupported, exported and supported in
 * practice); it is reached reflectively so that javac's internal-API warning stays out of the build.
 */
final class StopSignals {
    private StopSignals() {
    }

    static void install(AtomicBoolean stop, PrintStream err) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            for (String name : new String[] {"TERM", "INT"}) {
                int number = (int) signal.getMethod("getNumber").invoke(
                        signal.getConstructor(String.class).newInstance(name));
                InvocationHandler onSignal = (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "hashCode": return System.identityHashCode(proxy);
                        case "equals": return proxy == args[0];
                        case "toString": return "sparkft stop on SIG" + name;
                        default: break;
                    }
                    if (stop.getAndSet(true)) {
                        err.println("sparkft: second SIG" + name + ": exiting now, without a checkpoint");
                        Runtime.getRuntime().halt(128 + number);
                    }
                    err.println("sparkft: SIG" + name + ": stopping after the current round and its checkpoint"
                            + " (send it again to exit at once)");
                    return null;
                };
                Object handler = Proxy.newProxyInstance(handlerType.getClassLoader(), new Class<?>[] {handlerType},
                        onSignal);
                signal.getMethod("handle", signal, handlerType).invoke(null,
                        signal.getConstructor(String.class).newInstance(name), handler);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            err.println("sparkft: cannot catch SIGTERM/SIGINT (" + e + "); a kill will lose the steps since the"
                    + " last checkpoint");
        }
    }
}
