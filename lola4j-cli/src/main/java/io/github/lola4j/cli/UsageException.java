package io.github.lola4j.cli;

/** Thrown by a {@link Command} whose arguments are malformed; Main prints the message and the command's help. */
final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what was wrong, naming the option
     */
    public UsageException(String message) {
        super(message);
    }
}
