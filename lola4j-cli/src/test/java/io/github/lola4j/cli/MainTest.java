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
}
