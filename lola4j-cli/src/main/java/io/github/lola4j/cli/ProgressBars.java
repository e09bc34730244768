package io.github.lola4j.cli;

import io.github.lola4j.format.Progress;
import java.io.PrintStream;
import java.util.Objects;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The command line's {@link Progress}: one progress bar per task on standard error, drawn by the
 * progressbar library (me.tongfei), or nothing at all.
 *
 * <p>Bars are drawn only on a terminal and never with {@code --quiet}: a log file or a pipe gets no
 * carriage returns, and the lines the commands print themselves are all it receives. Whether
 * standard error is a terminal is told by the system property {@value #TERMINAL_PROPERTY}
 * ({@code true} or {@code false}: a launcher that can test the stream itself passes it), else
 * guessed from {@link System#console()}, which Java gives only when standard input and output are
 * both a terminal: a command whose output is redirected then draws no bar, which errs on the
 * quiet side.
 *
 * <p>A finished bar is cleared, leaving the line to what the command prints next: a command that
 * evaluates a hundred images would otherwise leave two hundred finished bars. A line printed on
 * standard error while a bar is drawn (the trainer's epoch lines) overwrites the bar from the
 * line's start, and the bar redraws below it; only a line shorter than the bar leaves the bar's
 * tail beside it. Tasks of unknown size ({@link Progress#UNKNOWN}) show their count and elapsed
 * time. Thread-safe as the interface asks: the library's counter takes concurrent steps, and its
 * own thread redraws the bar.
 */
final class ProgressBars implements Progress {

    /** The system property that says whether standard error is a terminal. */
    static final String TERMINAL_PROPERTY = "lola4j.terminal";

    /** Redraws per second: enough to look alive, few enough to cost nothing. */
    private static final int UPDATE_MILLIS = 250;

    private final PrintStream err;
    private final int width;
    private volatile ProgressBar bar;

    /**
     * Bars on a stream.
     *
     * @param err   the stream (standard error)
     * @param width the columns a bar may take, or 0 to ask the terminal (through JLine)
     */
    ProgressBars(PrintStream err, int width) {
        this.err = Objects.requireNonNull(err, "err");
        this.width = width;
    }

    /**
     * The progress a command reports to: bars on standard error when it is a terminal and the
     * command is not quiet, else {@link Progress#none()}.
     *
     * @param err   standard error
     * @param quiet whether the user asked for quiet ({@code --quiet})
     * @return the progress
     */
    static Progress create(PrintStream err, boolean quiet) {
        return quiet || !stderrIsTerminal() ? Progress.none() : new ProgressBars(err, 0);
    }

    /** The system property when set, else whether Java sees a console. */
    static boolean stderrIsTerminal() {
        String said = System.getProperty(TERMINAL_PROPERTY);
        if (said != null) {
            return Boolean.parseBoolean(said.trim());
        }
        return System.console() != null;
    }

    @Override
    public void start(String task, long total) {
        ProgressBar previous = bar;
        if (previous != null) {
            // a task left open by an operation that broke the contract: close it rather than draw over it
            previous.close();
        }
        bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total < 0 ? -1 : total)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(UPDATE_MILLIS).clearDisplayOnFinish()
                .setConsumer(new Line(err, width)).build();
    }

    @Override
    public void advance(long units) {
        ProgressBar b = bar;
        if (b != null) {
            b.stepBy(units);
        }
    }

    @Override
    public void done() {
        ProgressBar b = bar;
        bar = null;
        if (b != null) {
            b.close();
        }
    }

    /**
     * One line of standard error, redrawn in place between carriage returns and blanked when the
     * bar is done. The library's own console consumer prints a line break when it closes, which
     * would leave an empty line behind every cleared bar; it is kept only to ask the terminal's
     * width.
     */
    private static final class Line implements ProgressBarConsumer {
        private final PrintStream err;
        private final int width;
        private ConsoleProgressBarConsumer terminal;
        private int drawn;

        Line(PrintStream err, int width) {
            this.err = err;
            this.width = width;
        }

        @Override
        public synchronized int getMaxRenderedLength() {
            if (width > 0) {
                return width;
            }
            if (terminal == null) {
                terminal = new ConsoleProgressBarConsumer(err);
            }
            return terminal.getMaxRenderedLength();
        }

        @Override
        public synchronized void accept(String rendered) {
            int max = getMaxRenderedLength();
            String s = rendered.length() > max ? rendered.substring(0, max) : rendered;
            // spaces over what a longer previous drawing left on the line; the cursor goes back to
            // the line's start, so that a line the command prints meanwhile overwrites the bar
            // instead of running on after it (the bar redraws on the next line)
            err.print('\r' + s + " ".repeat(Math.max(0, drawn - s.length())) + '\r');
            err.flush();
            drawn = s.length();
        }

        @Override
        public synchronized void clear() {
            err.print('\r' + " ".repeat(drawn) + '\r');
            err.flush();
            drawn = 0;
        }

        @Override
        public synchronized void close() {
            err.flush();
        }
    }
}
