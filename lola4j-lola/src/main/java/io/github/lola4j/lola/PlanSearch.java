package io.github.lola4j.lola;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The compiler's beam search over the stages of a network for one ring degree: partial plans keyed
 * by (representation, pending factor, depth), every applicable kernel and conversion tried at each
 * stage and priced by the simulator and the cost model.
 */
final class PlanSearch {
    private final List<Stage> stages;
    private final int slots;
    private final int n;
    private final CostModel model;
    private final CompileOptions options;
    private final int batch;
    private final int[] minDepth;
    private final Map<KernelKey, Built> kernels = new HashMap<>();
    private final Map<Kernel, Map<Integer, OpCounts>> simulated = new IdentityHashMap<>();
    private final Map<Kernel, Integer> depths = new IdentityHashMap<>();

    PlanSearch(List<Stage> stages, int slots, int n, CostModel model, CompileOptions options, int batch) {
        this.stages = stages;
        this.slots = slots;
        this.n = n;
        this.model = model;
        this.options = options;
        this.batch = batch;
        this.minDepth = Stage.minRemainingDepth(stages);
        if (options.maskedOutput()) {
            for (int i = 0; i < minDepth.length; i++) {
                minDepth[i]++;
            }
        }
    }

    private record KernelKey(Choice choice, int stage, Representation in, double alpha, double beta) {
    }

    /** A built kernel (null: it does not apply, or needs more diagonals than the limit it was built with). */
    private record Built(Kernel kernel, int limit) {
    }

    /** A partial plan. */
    static final class Path {
        final Representation repr;
        final double alpha;
        final double beta;
        final int depth;
        final double seconds;
        final List<Choice> choices;
        final List<Kernel> kernels;

        Path(Representation repr, double alpha, double beta, int depth, double seconds, List<Choice> choices,
                List<Kernel> kernels) {
            this.repr = repr;
            this.alpha = alpha;
            this.beta = beta;
            this.depth = depth;
            this.seconds = seconds;
            this.choices = choices;
            this.kernels = kernels;
        }

        Path then(Choice c, Kernel k, int d, double s) {
            List<Choice> cs = new ArrayList<>(choices);
            cs.add(c);
            List<Kernel> ks = new ArrayList<>(kernels);
            ks.add(k);
            return new Path(k == null ? repr : k.output(), k == null ? alpha : k.outAlpha(), k == null ? beta : k.outBeta(),
                    depth + d, seconds + s, cs, ks);
        }

        /** The degree of the values after the last kernel (2 after an unrelinearized activation). */
        int degree() {
            for (int i = kernels.size() - 1; i >= 0; i--) {
                if (kernels.get(i) != null) {
                    return kernels.get(i).outputDegree();
                }
            }
            return 1;
        }

        Path withClientLayout(Choice c, Representation r) {
            List<Choice> cs = new ArrayList<>(choices);
            cs.add(c);
            List<Kernel> ks = new ArrayList<>(kernels);
            ks.add(null);
            return new Path(r, alpha, beta, depth, seconds, cs, ks);
        }

        Object key() {
            return List.of(repr, alpha, beta, depth);
        }
    }

    static final class Result {
        Path best;
        int emptyAt = -1;
        String why = "";
    }

    /**
     * The cheapest complete path.
     *
     * @param top   the top level of the chain
     * @param depth the exact depth wanted, or -1 for any depth up to top
     * @param bound a cost no path may reach (branch and bound over candidates; infinity for none)
     */
    Result run(int top, int depth, double bound) {
        if (bound == Double.POSITIVE_INFINITY && options.beamWidth() > 2) {
            // A narrow first pass finds a plan quickly; its cost bounds the full search, which then
            // skips the candidates (often diagonal kernels with thousands of diagonals) that cannot win.
            Result quick = pass(top, depth, bound, 2);
            if (quick.best != null) {
                bound = quick.best.seconds * (1 + 1e-9);
                Result full = pass(top, depth, bound, options.beamWidth());
                return full.best != null ? full : quick;
            }
        }
        return pass(top, depth, bound, options.beamWidth());
    }

    private double bound = Double.POSITIVE_INFINITY;

    private Result pass(int top, int depth, double limit, int beam) {
        this.bound = limit;
        Result res = new Result();
        List<Path> states = new ArrayList<>();
        states.add(new Path(null, 1, 0, 0, 0, List.of(), List.of()));
        for (int i = 0; i < stages.size(); i++) {
            Stage st = stages.get(i);
            List<Path> next = new ArrayList<>();
            for (Path p : states) {
                for (Path e : expand(i, st, p, top)) {
                    next.add(e);
                    if (i < stages.size() - 1 && !options.isBatch()) {
                        for (Path c1 : convert(e, top, i)) {
                            next.add(c1);
                            for (Path c2 : convert(c1, top, i)) {
                                next.add(c2);
                            }
                        }
                    }
                }
            }
            if (next.isEmpty()) {
                res.emptyAt = i;
                res.why = "nothing fits " + st.label;
                return res;
            }
            next.removeIf(q -> q.seconds >= limit);
            if (next.isEmpty()) {
                res.why = "every path costs more than a plan already found";
                return res;
            }
            states = prune(next, beam);
        }
        if (options.maskedOutput()) {
            List<Path> masked = new ArrayList<>();
            for (Path p : states) {
                add(masked, -1, null, p, Choice.of(Choice.MASK), top, stages.size() - 1);
            }
            states = masked;
        }
        for (Path p : states) {
            if ((depth < 0 ? p.depth <= top : p.depth == depth) && (res.best == null || p.seconds < res.best.seconds)) {
                res.best = p;
            }
        }
        if (res.best == null) {
            res.why = "no plan of exactly depth " + depth;
        }
        return res;
    }

    private List<Path> prune(List<Path> next, int beam) {
        Map<Object, Path> best = new HashMap<>();
        for (Path p : next) {
            Path q = best.get(p.key());
            if (q == null || p.seconds < q.seconds) {
                best.put(p.key(), p);
            }
        }
        List<Path> out = new ArrayList<>(best.values());
        out.sort(Comparator.comparingDouble((Path p) -> p.seconds).thenComparingInt(p -> p.depth));
        return out.size() > beam ? new ArrayList<>(out.subList(0, beam)) : out;
    }

    /** The paths one stage can extend p by. */
    private List<Path> expand(int i, Stage st, Path p, int top) {
        List<Path> out = new ArrayList<>();
        if (p.repr == null) {
            // The first stage: the client lays its input out.
            int size = st.in.size();
            if (batch > 0) {
                Choice c = Choice.of(Choice.CLIENT_BATCH, batch);
                Path q = p.withClientLayout(c, KernelFactory.clientLayout(c, size, slots));
                out.addAll(serverKernels(i, st, q, top));
                return out;
            }
            if (st.isLinear() && options.input() == InputLayout.ANY && !st.map.isIdentity()) {
                int m = st.map.outputs();
                int h = m <= slots ? Kernel.nextPow2(m) : slots;
                int taps = st.map.maxRowNonZeros();
                for (int l = 1; (long) l * h <= slots; l <<= 1) {
                    int inputs = ((m + slots - 1) / slots) * Math.max(1, (taps + l - 1) / l);
                    if (inputs <= options.maxInputCiphertexts()) {
                        add(out, i, st, p, Choice.of(Choice.GATHER, l), top);
                    }
                    if (m > slots) {
                        break;
                    }
                }
                if (st.conv != null && st.conv.geometry().inChannels() * st.conv.geometry().kernelRows()
                        * st.conv.geometry().kernelCols() <= options.maxInputCiphertexts()) {
                    add(out, i, st, p, Choice.of(Choice.SCALAR_CONVOLUTION), top);
                }
            }
            List<Choice> layouts = new ArrayList<>();
            layouts.add(Choice.of(Choice.CLIENT_DENSE));
            if (size <= slots / 2) {
                for (int c = 2; (long) Kernel.nextPow2(size) * c <= slots; c <<= 1) {
                    layouts.add(Choice.of(Choice.CLIENT_STACKED, c));
                }
            }
            for (Choice c : layouts) {
                Representation r = KernelFactory.clientLayout(c, size, slots);
                if (r.ciphertexts() <= options.maxInputCiphertexts()) {
                    out.addAll(serverKernels(i, st, p.withClientLayout(c, r), top));
                }
            }
            return out;
        }
        return serverKernels(i, st, p, top);
    }

    private List<Path> serverKernels(int i, Stage st, Path p, int top) {
        List<Path> out = new ArrayList<>();
        if (!st.isLinear()) {
            add(out, i, st, p, Choice.of(Choice.ACTIVATION), top);
            return out;
        }
        if (st.map.isIdentity()) {
            out.add(p.then(Choice.of(Choice.IDENTITY), null, 0, 0));
            return out;
        }
        if (batch > 0) {
            add(out, i, st, p, Choice.of(Choice.BATCH_LINEAR), top);
            return out;
        }
        if (st.pool != null) {
            add(out, i, st, p, Choice.of(Choice.SUM_POOL), top);
        }
        int m = st.map.outputs();
        if (m <= slots) {
            int h0 = Kernel.nextPow2(m);
            for (int h = h0; h <= slots; h <<= 1) {
                addDiagonal(out, i, st, p, Choice.STACKED, h, 0, top);
            }
            for (int c = 2; Kernel.nextPow2((m + c - 1) / c) <= slots / c; c <<= 1) {
                addDiagonal(out, i, st, p, Choice.BLOCKED, c, 0, top);
            }
            for (int l = 1; (long) h0 * l * 2 <= slots; l <<= 1) {
                addDiagonal(out, i, st, p, Choice.COMPACT, h0, l, top);
            }
            if (p.repr.ciphertexts() == 1 && m <= 256) {
                add(out, i, st, p, Choice.of(Choice.ROW_MAJOR), top);
            }
            if (p.repr instanceof StackedLayout) {
                add(out, i, st, p, Choice.of(Choice.PACKED_DENSE), top);
            }
        } else {
            addDiagonal(out, i, st, p, Choice.DENSE, 0, 0, top);
        }
        return out;
    }

    /** A diagonal kernel, with the rescale at the end and before the giant rotations. */
    private void addDiagonal(List<Path> out, int i, Stage st, Path p, int placement, int a, int b, int top) {
        int before = out.size();
        add(out, i, st, p, Choice.of(Choice.DIAGONAL, placement, a, b, 0, 0), top);
        if (out.size() > before) {
            add(out, i, st, p, Choice.of(Choice.DIAGONAL, placement, a, b, 0, 1), top);
        }
    }

    /** Conversions that may follow a stage. */
    private List<Path> convert(Path p, int top, int after) {
        List<Path> out = new ArrayList<>();
        Representation r = p.repr;
        if (r == null) {
            return out;
        }
        add(out, -1, null, p, Choice.of(Choice.VECTORIZE), top, after);
        if ((r instanceof DenseLayout d && d.ciphertexts() == 1) || r instanceof StackedLayout) {
            int period = r instanceof StackedLayout s ? s.period() : Kernel.nextPow2(r.size());
            int from = r instanceof StackedLayout s ? s.copies() : 1;
            for (int c = from * 2; (long) c * period <= slots; c <<= 1) {
                add(out, -1, null, p, Choice.of(Choice.REPLICATE, c), top, after);
            }
        }
        if (r.ciphertexts() > 1 && r instanceof InterleavedLayout) {
            add(out, -1, null, p, Choice.of(Choice.INTERLEAVE, 0), top, after);
        }
        return out;
    }

    private void add(List<Path> out, int i, Stage st, Path p, Choice c, int top) {
        add(out, i, st, p, c, top, i);
    }

    private void add(List<Path> out, int i, Stage st, Path p, Choice c, int top, int stageForDepth) {
        int level = top - p.depth;
        if (level < 0) {
            return;
        }
        KernelKey key = new KernelKey(c, i, p.repr, p.alpha, p.beta);
        // A diagonal kernel costs at least one plaintext product per diagonal: more than the bound
        // allows cannot win.
        double left = bound - p.seconds;
        int limit = (int) Math.min(KernelFactory.MAX_DIAGONALS,
                Math.max(1, left / model.seconds(OpCounts.Op.PLAIN_PRODUCT, n, level)));
        Kernel k;
        Built cached = kernels.get(key);
        Built plain = c.kind().equals(Choice.DIAGONAL) && c.arg(4) == 1
                ? kernels.get(new KernelKey(Choice.of(Choice.DIAGONAL, c.arg(0), c.arg(1), c.arg(2), 0, 0), i, p.repr, p.alpha,
                        p.beta))
                : null;
        if (cached != null && (cached.kernel != null || cached.limit >= limit)) {
            k = cached.kernel;
        } else if (plain != null && plain.kernel != null) {
            k = ((DiagonalKernel) plain.kernel).rescalingFirst();
            kernels.put(key, new Built(k, limit));
        } else {
            double ratio = model.hoistRatio(n, Math.max(0, level - 1));
            k = KernelFactory.build(c, st, p.repr, p.alpha, p.beta, slots, ratio, limit);
            kernels.put(key, new Built(k, limit));
            // the search's unit of progress: building kernels is what its time goes to (most of
            // lola-cifar's minute: the dozen diagonal candidates of its second convolution, seconds each)
            options.progress().advance(1);
        }
        if (k == null) {
            return;
        }
        int d = depth(k);
        int need = c.kind().equals(Choice.MASK) ? 0 : minDepth[stageForDepth + 1];
        if (level - d < need) {
            return;
        }
        Choice recorded = c;
        int n1At = c.kind().equals(Choice.DIAGONAL) ? 3 : c.kind().equals(Choice.INTERLEAVE) ? 0 : -1;
        if (k instanceof DiagonalKernel dk && n1At >= 0 && c.arg(n1At) == 0) {
            int[] a = c.args().clone();
            a[n1At] = dk.babySteps();
            recorded = new Choice(c.kind(), a);
        }
        OpCounts counts = simulate(k, level, p.degree());
        out.add(p.then(recorded, k, d, model.seconds(counts, n)));
    }

    private int depth(Kernel k) {
        Integer d = depths.get(k);
        if (d == null) {
            int top = 60;
            CountingSlots sim = new CountingSlots(slots, null);
            List<CountingSlots.Value> in = new ArrayList<>();
            for (int c = 0; c < k.input().ciphertexts(); c++) {
                in.add(new CountingSlots.Value(top, 1));
            }
            List<CountingSlots.Value> o = k.apply(sim, in);
            d = top - o.get(0).level();
            depths.put(k, d);
        }
        return d;
    }

    private OpCounts simulate(Kernel k, int level, int degree) {
        return simulated.computeIfAbsent(k, x -> new HashMap<>()).computeIfAbsent(level * 4 + degree, key -> {
            CountingSlots sim = new CountingSlots(slots, null);
            List<CountingSlots.Value> in = new ArrayList<>();
            for (int c = 0; c < k.input().ciphertexts(); c++) {
                in.add(new CountingSlots.Value(level, 1, degree));
            }
            k.apply(sim, in);
            return sim.counts();
        });
    }
}
