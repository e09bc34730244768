package io.github.lola4j.cli;

import java.io.PrintStream;

/**
 * One sub-command of the {@code lola4j} command line ({@code java -jar lola4j-cli/target/lola4j.jar NAME ...}).
 *
 * <p>Implementations print their results to {@code out}, diagnostics to {@code err}, and return a
 * process exit code: 0 on success, 1 when the command ran but what it checked failed, 2 on a
 * usage error.
 */
interface Command {

    /** The name typed on the command line, for example {@code selftest}. */
    String name();

    /** One line for the command list. */
    String summary();

    /** The full {@code --help} text: usage line and every option. */
    String help();

    /**
     * Runs the command.
     *
     * @param args the arguments after the command name (never {@code --help}: Main handles that)
     * @param out  standard output
     * @param err  standard error
     * @return the process exit code
     * @throws UsageException when the arguments are malformed
     * @throws Exception      any failure, reported by Main with its message
     */
    int run(String[] args, PrintStream out, PrintStream err) throws Exception;
}
