package io.github.lola4j.nn;

import io.github.lola4j.nn.GraphNetwork.Node;
import io.github.lola4j.nn.GraphNetwork.Op;
import java.util.ArrayList;
import java.util.List;

/** Lowers a {@link GraphNetwork} to a sequential {@link Network}: see {@link GraphNetwork#toNetwork}. */
final class GraphLowering {

    private GraphLowering() {
    }

    /**
     * @param g     the graph (not a chain)
     * @param range the largest |value| of each node on the samples (0 without samples)
     */
    static Network lower(GraphNetwork g, double[] range) {
        List<Node> nodes = g.nodes();
        int count = nodes.size();
        int[] readers = GraphNetwork.readers(nodes);
        // The chain from the input to the first node read twice stays as it is: the compiler's
        // convolution kernels see its layers, not a merged map.
        int p = 0;
        while (p + 1 < count && nodes.get(p + 1).op() == Op.LAYER && nodes.get(p + 1).inputs().get(0) == p && readers[p] == 1) {
            p++;
        }
        List<Layer> layers = new ArrayList<>();
        for (int i = 1; i <= p; i++) {
            layers.add(nodes.get(i).layer());
        }
        int[] depth = new int[count];
        for (int i = p + 1; i < count; i++) {
            Node n = nodes.get(i);
            int d = 0;
            for (int f : n.inputs()) {
                d = Math.max(d, depth[f]);
            }
            depth[i] = GraphNetwork.activation(n) != null ? d + 1 : d;
        }
        int top = depth[count - 1];
        // need[v]: the last depth at which v's value is read (an activation reads its input one depth before its own)
        int[] need = new int[count];
        need[count - 1] = top;
        for (int i = p + 1; i < count; i++) {
            Node n = nodes.get(i);
            int at = GraphNetwork.activation(n) != null ? depth[i] - 1 : depth[i];
            for (int f : n.inputs()) {
                need[f] = Math.max(need[f], at);
            }
        }
        Affine[] expr = new Affine[count];
        expr[p] = Affine.identity(nodes.get(p).shape());
        int basis = nodes.get(p).shape().size();
        for (int k = 0; ; k++) {
            for (int i = p + 1; i < count; i++) {
                if (depth[i] == k && GraphNetwork.activation(nodes.get(i)) == null) {
                    expr[i] = linear(nodes.get(i), nodes, expr, basis);
                }
            }
            if (k == top) {
                layers.add(expr[count - 1]);
                break;
            }
            // What the square at depth k + 1 takes: the activations' inputs, shifted, and two
            // copies of every value still needed after it, offset by +s and -s.
            List<int[]> parts = new ArrayList<>(); // {node, offset, carried ? 1 : 0}
            int size = 0;
            for (int i = p + 1; i < count; i++) {
                if (depth[i] == k + 1 && GraphNetwork.activation(nodes.get(i)) != null) {
                    parts.add(new int[] {i, size, 0});
                    size += nodes.get(i).shape().size();
                }
            }
            for (int v = p; v < count; v++) {
                if (expr[v] != null && need[v] > k) {
                    parts.add(new int[] {v, size, 1});
                    size += 2 * nodes.get(v).shape().size();
                }
            }
            Affine.Rows before = new Affine.Rows(basis, Shape.of(size));
            for (int[] part : parts) {
                Node n = nodes.get(part[0]);
                if (part[2] == 0) {
                    double[] a = GraphNetwork.activation(n);
                    expr[n.inputs().get(0)].appendTo(before, 1, a[1] / (2 * a[0]));
                } else {
                    double s = carryOffset(range[part[0]]);
                    expr[part[0]].appendTo(before, 1, s);
                    expr[part[0]].appendTo(before, 1, -s);
                }
            }
            layers.add(before.build());
            layers.add(Square.INSTANCE);
            Affine[] next = new Affine[count];
            for (int[] part : parts) {
                Node n = nodes.get(part[0]);
                int m = n.shape().size();
                Affine.Rows rows = new Affine.Rows(size, n.shape());
                if (part[2] == 0) {
                    double[] a = GraphNetwork.activation(n);
                    for (int j = 0; j < m; j++) {
                        rows.put(part[1] + j, a[0]);
                        rows.end(a[2] - a[1] * a[1] / (4 * a[0]));
                    }
                } else {
                    double q = 1 / (4 * carryOffset(range[part[0]]));
                    for (int j = 0; j < m; j++) {
                        rows.put(part[1] + j, q);
                        rows.put(part[1] + m + j, -q);
                        rows.end(0);
                    }
                }
                next[part[0]] = rows.build();
            }
            expr = next;
            basis = size;
        }
        return Network.of(g.inputShape(), layers, g.info());
    }

    /** The smallest power of two at least {@code max(1, range)}: exact to divide by. */
    static double carryOffset(double range) {
        double s = 1;
        while (s < range) {
            s *= 2;
        }
        return s;
    }

    /** A linear node's value as a map of the current basis. */
    private static Affine linear(Node n, List<Node> nodes, Affine[] expr, int basis) {
        if (n.op() == Op.LAYER) {
            int from = n.inputs().get(0);
            return Affine.of(n.layer(), nodes.get(from).shape()).after(expr[from]);
        }
        int total = 0;
        for (int f : n.inputs()) {
            total += nodes.get(f).shape().size();
        }
        Affine.Rows stacked = new Affine.Rows(basis, n.op() == Op.CONCAT ? n.shape() : Shape.of(total));
        for (int f : n.inputs()) {
            expr[f].appendTo(stacked, 1, 0);
        }
        if (n.op() == Op.CONCAT) {
            return stacked.build();
        }
        int m = n.shape().size();
        Affine.Rows sum = new Affine.Rows(total, n.shape());
        for (int j = 0; j < m; j++) {
            for (int t = 0; t < n.inputs().size(); t++) {
                sum.put(t * m + j, 1);
            }
            sum.end(0);
        }
        return sum.build().after(stacked.build());
    }
}
