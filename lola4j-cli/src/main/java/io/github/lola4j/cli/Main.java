package io.github.lola4j.cli;

import io.github.lola4j.lola.ResultOutOfRangeException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Entry point of the {@code lola4j} command line: {@code lola4j COMMAND [options]} (the launcher
 * script) or {@code java -jar lola4j-cli/target/lola4j.jar COMMAND [options]}.
 *
 * <p>Every command answers {@code --help}, {@code -h}, {@code -?} and {@code help COMMAND}; a usage
 * error prints its message and one usage line. Exit codes: 0 success, 1 a check failed, 2 usage error,
 * 3 an unexpected failure.
 */
public final class Main {

    private Main() {
    }

    /** The commands, in the order {@code --help} lists them. */
    static List<Command> commands() {
        return List.of(new DemoCommand(), new PlanCommand(), new InferCommand(), new CalibrateCommand(), new SelftestCommand(),
                new TrainCommand(), new EvalCommand(), new ServeCommand(), new ClientCommand(), ConvertCommand.importer(),
                ConvertCommand.exporter(), new KeygenCommand(), new EncryptCommand(), new EvaluateCommand(), new DecryptCommand());
    }

    /**
     * Runs the command line.
     *
     * @param args command name and its options
     */
    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    /**
     * Runs the command line without exiting the JVM (used by tests).
     *
     * @param args command name and its options
     * @param out  standard output
     * @param err  standard error
     * @return the exit code
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Map<String, Command> byName = new LinkedHashMap<>();
        for (Command c : commands()) {
            byName.put(c.name(), c);
        }
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("-?")) {
            printUsage(args.length == 0 ? err : out, byName);
            return args.length == 0 ? 2 : 0;
        }
        if (args[0].equals("--version") || args[0].equals("-V") || args[0].equals("version")) {
            out.println(version());
            if (args.length > 1 && args[1].equals("--verbose")) {
                // what a bug report needs about this JVM: its heap ceiling, the kernels, who started it
                out.println("max heap " + Runtime.getRuntime().maxMemory() + " bytes");
                out.println("NTT kernels: " + io.github.lola4j.math.Simd.description());
                out.println("launcher: " + System.getProperty("lola4j.launcher", "none (java -jar)"));
            }
            return 0;
        }
        if (args[0].equals("help")) {
            // help COMMAND: that command's help; help alone: the command list
            if (args.length == 1) {
                printUsage(out, byName);
                return 0;
            }
            Command c = byName.get(args[1]);
            if (c == null) {
                err.println("lola4j help: unknown command '" + args[1] + "'" + Names.didYouMean(args[1], byName.keySet(), ""));
                err.println(SHORT_USAGE);
                return 2;
            }
            out.println(c.help());
            return 0;
        }
        Command cmd = byName.get(args[0]);
        if (cmd == null) {
            err.println("lola4j: unknown command '" + args[0] + "'" + Names.didYouMean(args[0], byName.keySet(), ""));
            err.println(SHORT_USAGE);
            return 2;
        }
        String[] rest = new String[args.length - 1];
        System.arraycopy(args, 1, rest, 0, rest.length);
        Spec spec = cmd.spec();
        if (rest.length == 1 && rest[0].equals("help")) {
            out.println(spec.help());
            return 0;
        }
        Options options;
        try {
            options = Options.parse(rest, spec);
        } catch (UsageException e) {
            err.println("lola4j " + cmd.name() + ": " + e.getMessage());
            err.println(spec.shortUsage());
            return 2;
        }
        if (options.helpRequested()) {
            out.println(spec.help());
            return 0;
        }
        options.progress(ProgressBars.create(err, options.has("quiet")));
        try {
            try {
                return cmd.run(options, out, err);
            } finally {
                // a bar a failure left open is closed before the message is printed under it
                options.progress().done();
            }
        } catch (UsageException e) {
            err.println("lola4j " + cmd.name() + ": " + e.getMessage());
            err.println(spec.shortUsage());
            return 2;
        } catch (ResultOutOfRangeException e) {
            // a result that cannot be right gets its own code: a pipeline must never take it for a prediction
            err.println("lola4j " + cmd.name() + ": refused an untrustworthy result: " + e.getMessage());
            return 4;
        } catch (Exception e) {
            err.println("lola4j " + cmd.name() + ": " + describe(e));
            return 3;
        }
    }

    /** "lola4j VERSION (Java ..., OS arch)": the jar's version, or "development build" outside a jar. */
    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return "lola4j " + (v != null ? v : "development build") + " (Java " + Runtime.version() + ", "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ")";
    }

    /**
     * What went wrong, in words: an I/O failure's own message (a missing file named as such), and
     * the exception's kind only for what has no message, or for an unexpected failure (a bug to
     * report, whose kind helps).
     */
    static String describe(Exception e) {
        String m = e.getMessage();
        if (e instanceof java.nio.file.NoSuchFileException f) {
            return f.getReason() != null ? f.getFile() + ": " + f.getReason() : "no such file: " + f.getFile();
        }
        if (e instanceof java.nio.file.AccessDeniedException f) {
            return "permission denied: " + f.getFile();
        }
        if (e instanceof java.io.IOException || e instanceof IllegalArgumentException) {
            return m != null && !m.isBlank() ? m : e.getClass().getSimpleName();
        }
        return e.getClass().getSimpleName() + (m != null ? ": " + m : "");
    }

    /** What an unknown command prints after its message: one line, not the whole list. */
    private static final String SHORT_USAGE = "usage: lola4j COMMAND [options]   (lola4j --help lists the commands)";

    private static void printUsage(PrintStream ps, Map<String, Command> byName) {
        ps.println("usage: lola4j COMMAND [options]");
        ps.println("       lola4j help COMMAND    (or lola4j COMMAND --help): the command's options");
        ps.println("       lola4j --version");
        ps.println();
        ps.println("commands:");
        for (Command c : byName.values()) {
            ps.printf("  %-10s %s%n", c.name(), c.summary());
        }
    }
}
