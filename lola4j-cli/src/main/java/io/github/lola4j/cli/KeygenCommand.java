package io.github.lola4j.cli;

import io.github.lola4j.ckks.CkksSerializer;
import io.github.lola4j.ckks.EvaluationKeys;
import io.github.lola4j.ckks.KeyGenerator;
import io.github.lola4j.ckks.SecretKey;
import io.github.lola4j.lola.ClientPlan;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Locale;

/**
 * {@code keygen}: the client's first step in a pipeline of files. The secret key goes to a file
 * only its owner can read; the evaluation keys, which are all the server needs, to another.
 */
final class KeygenCommand implements Command {

    @Override
    public Spec spec() {
        return Spec.of("keygen", "pipeline step 1 (client): make the secret key and the server's evaluation keys")
                .synopsis("lola4j keygen --plan FILE --secret-key FILE --evaluation-keys FILE [--force]")
                .description("Generates a secret key for the plan's parameters and exactly the evaluation keys (relinearization",
                        "and rotations) the plan needs. The secret key is written to a file only you can read (mode 600,",
                        "set before the first byte); it never leaves this machine. The evaluation keys go to the server",
                        "(lola4j evaluate). docs/pipeline.md shows the four steps together.")
                .option("plan", "FILE", "a plan file (lola4j plan --out) or a client plan file (lola4j plan --client-plan)")
                .option("secret-key", "FILE", "where the secret key goes (created; an existing file is kept unless --force)")
                .option("evaluation-keys", "FILE", "where the evaluation keys go")
                .option("threads", "T", "threads generating the keys (default: available processors; the keys are the same"
                        + " whatever the count)")
                .flag("force", "replace existing key files (data encrypted under the old key can no longer be decrypted)")
                .footer("exit code: 0, 2 on a usage error, 3 when a file cannot be read or written.");
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        Path planFile = Pipeline.required(o, "plan");
        Path skFile = Pipeline.required(o, "secret-key");
        Path evkFile = Pipeline.required(o, "evaluation-keys");
        if (skFile.toAbsolutePath().normalize().equals(evkFile.toAbsolutePath().normalize())) {
            throw new UsageException("--secret-key and --evaluation-keys name the same file: the secret key must not go where"
                    + " the server's keys go");
        }
        boolean force = o.has("force");
        for (Path p : new Path[] {skFile, evkFile}) {
            // before seconds of key generation, not after
            if (!force && Files.exists(p)) {
                throw new UsageException(p + " exists; pass --force to replace it (data encrypted under the old key can then"
                        + " no longer be decrypted)");
            }
        }
        ClientPlan plan = Pipeline.clientPlan(planFile);
        long t0 = System.nanoTime();
        int threads = o.getInt("threads", Runtime.getRuntime().availableProcessors(), 1, 4096);
        KeyGenerator kg = new KeyGenerator(plan.parameters(), new SecureRandom());
        SecretKey sk = kg.secretKey();
        EvaluationKeys evk;
        try (Threads pool = Threads.of(threads)) {
            evk = kg.evaluationKeys(sk, plan.keyRequirements(), pool.parallelism(), o.progress());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        CkksSerializer ser = new CkksSerializer(plan.parameters());
        Pipeline.writeAtomically(skFile, force, "--secret-key", true, s -> ser.writeSecretKey(s, sk));
        Pipeline.writeAtomically(evkFile, force, "--evaluation-keys", false, s -> ser.write(s, evk));
        out.printf(Locale.ROOT, "keys      %s: secret key %s (mode 600, keep it here), evaluation keys %s (%s, for the server)"
                + " in %.2f s%n", plan.modelName(), skFile, evkFile, Lola.bytes(Files.size(evkFile)), seconds);
        return 0;
    }
}
