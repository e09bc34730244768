package io.github.lola4j.format;

/**
 * Where an operation that can take more than a few seconds (compiling a plan, measuring the cost
 * model, generating evaluation keys, encrypting an input, evaluating a plan, training) tells how
 * far it is, for a progress bar or a log. It lives in this module, the one under both the
 * cryptography and the networks, because both report to it and neither may depend on the other.
 *
 * <p>An operation given a {@code Progress} reports each of its tasks the same way: {@link #start}
 * once, then {@link #advance} as units of the work complete, adding up to the total when the task
 * succeeds, then {@link #done} once, also when it fails. Most operations are one task; a compile
 * runs one per phase (ranges, search, checks), in turn. A unit is a piece of real work (a
 * ciphertext, a key, a step of a plan, a batch), never a coefficient, so that reporting costs
 * nothing beside the work. Operations may call {@link #advance} from several threads at once (their
 * work runs on a fork-join pool), so implementations must be thread-safe there; an
 * {@code AtomicLong} suffices. One instance may serve several operations in turn, but not two at
 * the same time.
 *
 * <p>Reporting never changes an operation's result.
 */
public interface Progress {

    /**
     * The total of a task whose size is not known when it starts (a search that prunes as it goes):
     * its units then count the work done.
     */
    long UNKNOWN = -1;

    /**
     * A task begins.
     *
     * @param task  what is being done, a few words in lower case ("generating keys")
     * @param total the units the task will advance by when it succeeds, at least 0, or
     *              {@link #UNKNOWN}
     */
    void start(String task, long total);

    /**
     * Units of the current task are complete. Thread-safe.
     *
     * @param units how many, at least 1
     */
    void advance(long units);

    /** The current task ended, completed or not. */
    void done();

    /**
     * A progress that ignores every report, for callers that want none.
     *
     * @return the shared instance
     */
    static Progress none() {
        return NoProgress.INSTANCE;
    }
}
