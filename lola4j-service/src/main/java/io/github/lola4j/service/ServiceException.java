package io.github.lola4j.service;

import java.io.IOException;

/** A server's error answer: the HTTP status, the error code and message of its JSON body. */
public final class ServiceException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;

    /**
     * Wraps an answer.
     *
     * @param status  the HTTP status
     * @param code    the error code, e.g. {@code unknown_key_id}
     * @param message the server's message
     */
    public ServiceException(int status, String code, String message) {
        super("server answered " + status + " (" + code + "): " + message);
        this.status = status;
        this.code = code;
    }

    /** The HTTP status. */
    public int status() {
        return status;
    }

    /** The error code. */
    public String code() {
        return code;
    }
}
