package io.github.lola4j.cli;

import io.github.lola4j.lola.ResultOutOfRangeException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Entry point of the {@code lola4j} command line: {@code java -jar lola4j-cli/target/lola4j.jar COMMAND [options]}.
 *
 * <p>Every command answers {@code --help}. Exit codes: 0 success, 1 a check failed, 2 usage error,
 * 3 an unexpected failure.
 */
public final class Main {

    private Main() {
    }

    /** The commands, in the order {@code --help} lists them. */
    static List<Command> commands() {
        return List.of(new DemoCommand(), new PlanCommand(), new InferCommand(), new CalibrateCommand(), new SelftestCommand(),
                new TrainCommand(), new EvalCommand(), new ServeCommand(), new ClientCommand(), ConvertCommand.importer(),
                ConvertCommand.exporter());
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
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            printUsage(args.length == 0 ? err : out, byName);
            return args.length == 0 ? 2 : 0;
        }
        if (args[0].equals("--version") || args[0].equals("-V") || args[0].equals("version")) {
            out.println(version());
            return 0;
        }
        Command cmd = byName.get(args[0]);
        if (cmd == null) {
            err.println("lola4j: unknown command '" + args[0] + "'" + Names.didYouMean(args[0], byName.keySet(), ""));
            printUsage(err, byName);
            return 2;
        }
        String[] rest = new String[args.length - 1];
        System.arraycopy(args, 1, rest, 0, rest.length);
        for (String a : rest) {
            if (a.equals("--help") || a.equals("-h")) {
                out.println(cmd.help());
                return 0;
            }
        }
        try {
            return cmd.run(rest, out, err);
        } catch (UsageException e) {
            err.println("lola4j " + cmd.name() + ": " + e.getMessage());
            err.println();
            err.println(cmd.help());
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

    private static void printUsage(PrintStream ps, Map<String, Command> byName) {
        ps.println("usage: java -jar lola4j.jar COMMAND [options]   (COMMAND --help for its options; --version)");
        ps.println();
        ps.println("commands:");
        for (Command c : byName.values()) {
            ps.printf("  %-10s %s%n", c.name(), c.summary());
        }
    }
}
