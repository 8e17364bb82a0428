package dev.sparkft.onnx;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks that a graph read from a file is one: every tensor is produced by at most one node (ONNX's
 * single assignment), every node input names an initializer, a graph input or a node output, and the nodes
 * form no cycle. Code that follows producers through the graph can then rely on reaching an end.
 * Iterative (Kahn's algorithm), so a long or hostile graph costs time linear in its size, never stack.
 */
final class OnnxGraphCheck {
    /** Nodes named in a cycle's message; a longer cycle is shortened. */
    private static final int CYCLE_NODES_SHOWN = 6;

    private OnnxGraphCheck() {
    }

    static void check(OnnxGraph graph, String source) {
        List<OnnxNode> nodes = graph.nodes();
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String out : nodes.get(i).outputs()) {
                if (out.isEmpty()) {
                    continue; // an optional output left out
                }
                Integer other = producer.putIfAbsent(out, i);
                if (other != null) {
                    throw invalid(source, "has tensor '" + out + "' as the output of two nodes, "
                            + describe(nodes, other) + " and " + describe(nodes, i));
                }
            }
        }
        Set<String> given = new HashSet<>(graph.initializers().keySet());
        given.addAll(graph.inputs());
        // waiting[i]: inputs of node i whose producer has not been ordered yet; readers[p]: nodes reading p.
        int[] waiting = new int[nodes.size()];
        List<List<Integer>> readers = new ArrayList<>();
        nodes.forEach(n -> readers.add(new ArrayList<>()));
        for (int i = 0; i < nodes.size(); i++) {
            for (String in : nodes.get(i).inputs()) {
                Integer p = producer.get(in);
                if (p != null) {
                    waiting[i]++;
                    readers.get(p).add(i);
                } else if (!in.isEmpty() && !given.contains(in)) { // "" is an optional input left out
                    throw invalid(source, "has node " + describe(nodes, i) + " reading '" + in
                            + "', which is no initializer, graph input or node output");
                }
            }
        }
        Deque<Integer> ready = new ArrayDeque<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (waiting[i] == 0) {
                ready.add(i);
            }
        }
        int ordered = 0;
        while (!ready.isEmpty()) {
            int p = ready.poll();
            ordered++;
            for (int r : readers.get(p)) {
                if (--waiting[r] == 0) {
                    ready.add(r);
                }
            }
        }
        if (ordered < nodes.size()) {
            throw invalid(source, "has a cycle in its node graph: " + cycle(nodes, producer, waiting));
        }
    }

    /**
     * A cycle among the nodes left unordered, as "a (Op) -> b (Op) -> a (Op)". Each such node reads a tensor of
     * another unordered node, so walking from one to such a producer must come back to a node seen before.
     */
    private static String cycle(List<OnnxNode> nodes, Map<String, Integer> producer, int[] waiting) {
        int start = 0;
        while (waiting[start] == 0) {
            start++;
        }
        Map<Integer, Integer> seenAt = new LinkedHashMap<>();
        List<Integer> walk = new ArrayList<>();
        int at = start;
        while (!seenAt.containsKey(at)) {
            seenAt.put(at, walk.size());
            walk.add(at);
            at = unorderedProducer(nodes.get(at), producer, waiting);
        }
        List<Integer> loop = new ArrayList<>(walk.subList(seenAt.get(at), walk.size()));
        Collections.reverse(loop); // walked from reader to producer; show the data flow
        loop.add(loop.get(0));
        StringBuilder out = new StringBuilder();
        for (int k = 0; k < loop.size(); k++) {
            if (k == CYCLE_NODES_SHOWN && loop.size() > CYCLE_NODES_SHOWN + 1) {
                out.append(" -> ... (").append(loop.size() - 1).append(" nodes)");
                break;
            }
            out.append(k == 0 ? "" : " -> ").append(describe(nodes, loop.get(k)));
        }
        return out.toString();
    }

    private static int unorderedProducer(OnnxNode node, Map<String, Integer> producer, int[] waiting) {
        for (String in : node.inputs()) {
            Integer p = producer.get(in);
            if (p != null && waiting[p] > 0) {
                return p;
            }
        }
        throw new IllegalStateException("node " + node + " is unordered but reads no unordered node's output");
    }

    /** "'name' (Op)", or "#index (Op)" for a node without a name. */
    static String describe(List<OnnxNode> nodes, int i) {
        OnnxNode node = nodes.get(i);
        return (node.name().isEmpty() ? "#" + i : "'" + node.name() + "'") + " (" + node.opType() + ")";
    }

    private static IllegalArgumentException invalid(String source, String problem) {
        return new IllegalArgumentException("ONNX model " + source + " " + problem);
    }
}
