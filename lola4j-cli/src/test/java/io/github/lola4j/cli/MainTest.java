package io.github.lola4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
        assertTrue(help.out.startsWith("usage: selftest"), help.out);
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
