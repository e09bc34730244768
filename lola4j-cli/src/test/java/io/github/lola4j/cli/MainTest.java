package io.github.lola4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MainTest {

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void selftestPassesAndReportsEveryCheck() {
        Result r = run("selftest", "--json");
        assertEquals(0, r.code, r.out + r.err);
        assertTrue(r.out.contains("9 checks, 0 failed"), r.out);
        String last = r.out.strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith("{\"checks\":9,\"failed\":0,"), last);
    }

    @Test
    void usageErrorsAreReportedWithExitCode2() {
        Result none = run();
        assertEquals(2, none.code);
        assertTrue(none.err.contains("commands:"), none.err);
        Result unknown = run("frobnicate");
        assertEquals(2, unknown.code);
        assertTrue(unknown.err.contains("unknown command 'frobnicate'"), unknown.err);
        Result badOption = run("selftest", "--fast");
        assertEquals(2, badOption.code);
        assertTrue(badOption.err.contains("unknown option --fast"), badOption.err);
        Result help = run("selftest", "--help");
        assertEquals(0, help.code);
        assertTrue(help.out.startsWith("usage: lola4j selftest"), help.out);
    }

    /** Every command answers every usual way of asking for help, with its own usage line first. */
    @Test
    void everyCommandHasHelpInEveryUsualForm() {
        for (Command c : Main.commands()) {
            String first = "usage: lola4j " + c.name() + " ";
            for (String[] args : new String[][] {{c.name(), "--help"}, {c.name(), "-h"}, {c.name(), "-?"}, {c.name(), "--HELP"},
                    {c.name(), "help"}, {"help", c.name()}}) {
                Result r = run(args);
                assertEquals(0, r.code, String.join(" ", args) + ": " + r.err);
                assertTrue(r.out.startsWith(first), String.join(" ", args) + ":\n" + r.out);
                assertTrue(r.out.contains("\noptions:\n") && r.out.contains("-h, -?, --help"), r.out);
                assertEquals(c.help(), r.out.stripTrailing());
            }
            for (String line : c.help().lines().toList()) {
                assertTrue(line.length() <= 100, c.name() + " help line longer than 100 characters: " + line);
            }
        }
        // plan reads --data and --dataset (calibration): its help lists them
        String plan = run("help", "plan").out;
        assertTrue(plan.contains("--data DIR") && plan.contains("--dataset ID") && plan.contains("--batch-size B"), plan);
        Result unknown = run("help", "infr");
        assertEquals(2, unknown.code);
        assertTrue(unknown.err.contains("unknown command 'infr' (did you mean infer?)"), unknown.err);
        assertEquals(0, run("help").code);
    }

    /** A usage error prints its message and a short usage, not the whole help, with exit code 2. */
    @Test
    void usageErrorsPrintOneUsageLine() {
        Result typo = run("infer", "--modle", "lola");
        assertEquals(2, typo.code);
        List<String> lines = typo.err.lines().toList();
        assertEquals(3, lines.size(), typo.err);
        assertEquals("lola4j infer: unknown option --modle (did you mean --model?)", lines.get(0));
        assertTrue(lines.get(1).startsWith("usage: lola4j infer "), typo.err);
        assertEquals("(lola4j infer --help lists the options)", lines.get(2));
        assertEquals("", typo.out);
        Result missing = run("infer", "--count");
        assertEquals(2, missing.code);
        assertTrue(missing.err.startsWith("lola4j infer: option --count needs a value (K)\n"), missing.err);
        Result flagValue = run("infer", "--json=yes");
        assertEquals(2, flagValue.code);
        assertTrue(flagValue.err.startsWith("lola4j infer: option --json takes no value, got 'yes'\n"), flagValue.err);
        Result positional = run("plan", "lola");
        assertEquals(2, positional.code);
        assertTrue(positional.err.startsWith("lola4j plan: unexpected argument 'lola'\n"), positional.err);
        Result range = run("infer", "--count", "0");
        assertEquals(2, range.code);
        assertTrue(range.err.startsWith("lola4j infer: option --count must be in [1, ") && range.err.lines().count() == 3,
                range.err);
        Result command = run("deom");
        assertEquals(2, command.code);
        assertEquals(2, command.err.lines().count(), command.err);
        assertTrue(command.err.startsWith("lola4j: unknown command 'deom' (did you mean demo?)"), command.err);
        // --name=value and a negative number as a value are values, as before
        Result eq = run("eval", "--limit=abc");
        assertTrue(eq.err.startsWith("lola4j eval: option --limit expects an integer, got 'abc'"), eq.err);
        // a model on another data set's images: which --dataset to pass
        Result shape = run("eval", "--model", "lola-cifar", "--dataset", "mnist", "--data", CliTestSupport.MNIST);
        assertEquals(2, shape.code, shape.err);
        assertTrue(shape.err.startsWith("lola4j eval: lola-cifar takes 3x32x32 images; the mnist test images are 1x28x28: pass"
                + " --dataset cifar10 and --data DIR"), shape.err);
        Result negative = run("infer", "--offset", "-3");
        assertTrue(negative.err.startsWith("lola4j infer: option --offset must be in [0, "), negative.err);
    }

    /** Typos get the closest name; failures are told in words, without Java exception class names. */
    @Test
    void errorsSuggestTheClosestNameAndSayWhatHappened() {
        assertTrue(run("infr").err.contains("unknown command 'infr' (did you mean infer?)"), run("infr").err);
        Result option = run("eval", "--modle", "lola");
        assertEquals(2, option.code);
        assertTrue(option.err.contains("unknown option --modle (did you mean --model?)"), option.err);
        Result model = run("plan", "--model", "lola-smal");
        assertEquals(3, model.code);
        assertTrue(model.err.startsWith("lola4j plan: lola-smal: neither a shipped model") && model.err.contains(
                "(did you mean lola-small?)") && !model.err.contains("Exception"), model.err);
        Result far = run("plan", "--model", "resnet50");
        assertTrue(!far.err.contains("did you mean") && !far.err.contains("Exception"), far.err);
        Result refused = run("client", "--server", "http://127.0.0.1:1", "--model", "lola", "--mnist-index", "0", "--no-cache",
                "--no-memory-check");
        assertEquals(3, refused.code);
        assertTrue(refused.err.contains("cannot connect to http://127.0.0.1:1") && refused.err.contains("lola4j serve")
                && !refused.err.contains("Exception"), refused.err);
        Result version = run("--version");
        assertEquals(0, version.code);
        assertTrue(version.out.startsWith("lola4j ") && version.out.contains("(Java " + Runtime.version()), version.out);
        assertEquals(1, Names.distance("lola-smal", "lola-small"));
        assertEquals(3, Names.distance("kitten", "sitting"));
    }
}
