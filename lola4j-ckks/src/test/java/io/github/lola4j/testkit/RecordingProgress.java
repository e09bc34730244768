package io.github.lola4j.testkit;

import io.github.lola4j.format.Progress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Progress} that records every task and fails the test (with an {@link AssertionError}
 * thrown from the reporting call) when an operation breaks the contract: a task started before the
 * last one is done, an advance or done outside a task, a non-positive advance, or more units than
 * the task's known total. Advances may come from any thread.
 */
public final class RecordingProgress implements Progress {

    /**
     * One task as reported.
     *
     * @param name     the task's name
     * @param total    the total it was started with
     * @param advanced the units advanced by the time it was done
     */
    public record Task(String name, long total, long advanced) {
    }

    private final List<Task> tasks = new ArrayList<>();
    private final AtomicLong advanced = new AtomicLong();
    private volatile String name;
    private volatile long total;

    @Override
    public synchronized void start(String task, long total) {
        if (name != null) {
            throw new AssertionError("start(" + task + ") while " + name + " is not done");
        }
        if (task == null || task.isBlank() || total < UNKNOWN) {
            throw new AssertionError("start(" + task + ", " + total + ")");
        }
        this.name = task;
        this.total = total;
        advanced.set(0);
    }

    @Override
    public void advance(long units) {
        String current = name;
        if (current == null) {
            throw new AssertionError("advance(" + units + ") outside a task");
        }
        if (units < 1) {
            throw new AssertionError(current + ": advance(" + units + ")");
        }
        long now = advanced.addAndGet(units);
        long t = total;
        if (t != UNKNOWN && now > t) {
            throw new AssertionError(current + ": advanced to " + now + " of " + t);
        }
    }

    @Override
    public synchronized void done() {
        if (name == null) {
            throw new AssertionError("done() outside a task");
        }
        tasks.add(new Task(name, total, advanced.get()));
        name = null;
    }

    /**
     * The tasks done so far, in order.
     *
     * @return a copy
     */
    public synchronized List<Task> tasks() {
        return List.copyOf(tasks);
    }

    /**
     * The tasks done so far of a name.
     *
     * @param name the name
     * @return them, in order
     */
    public synchronized List<Task> tasks(String name) {
        List<Task> out = new ArrayList<>();
        for (Task t : tasks) {
            if (t.name().equals(name)) {
                out.add(t);
            }
        }
        return out;
    }

    /** Whether a task is started and not done. */
    public boolean active() {
        return name != null;
    }
}
