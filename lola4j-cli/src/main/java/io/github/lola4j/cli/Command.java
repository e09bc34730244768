package io.github.lola4j.cli;

import java.io.PrintStream;

/**
 * One sub-command of the {@code lola4j} command line ({@code lola4j NAME ...}).
 *
 * <p>Implementations declare what they accept in a {@link Spec} (Main parses the arguments
 * against it with picocli and prints the help from it), print their results to {@code out},
 * diagnostics to {@code err}, and return a process exit code: 0 on success, 1 when the command
 * ran but what it checked failed, 2 on a usage error.
 */
interface Command {

    /** The options, description and footer: the help is printed from it. */
    Spec spec();

    /** The name typed on the command line, for example {@code selftest}. */
    default String name() {
        return spec().name();
    }

    /** One line for the command list. */
    default String summary() {
        return spec().summary();
    }

    /** The full {@code --help} text: usage line, description, every option, footer. */
    default String help() {
        return spec().help();
    }

    /**
     * Runs the command.
     *
     * @param o   the parsed options (never a help request: Main handles that)
     * @param out standard output
     * @param err standard error
     * @return the process exit code
     * @throws UsageException when the options are malformed together or a value is out of range
     * @throws Exception      any failure, reported by Main with its message
     */
    int run(Options o, PrintStream out, PrintStream err) throws Exception;
}
