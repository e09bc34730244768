/**
 * The {@code lola4j} command line: {@link io.github.lola4j.cli.Main} dispatches to one {@link
 * io.github.lola4j.cli.Command} per sub-command, each with {@code --help}.
 */
package io.github.lola4j.cli;
