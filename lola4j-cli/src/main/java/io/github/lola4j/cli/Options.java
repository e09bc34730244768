package io.github.lola4j.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A command's parsed options: {@code --name value} (or {@code --name=value}) and {@code --flag},
 * parsed by picocli against the command's {@link Spec}, with typed accessors whose errors name the
 * option.
 *
 * <p>Every option a command accepts must be declared: a misspelled option is a usage error with
 * the closest known name, never silently ignored.
 */
final class Options {
    private final Map<String, String> values = new LinkedHashMap<>();
    private boolean help;
    private io.github.lola4j.format.Progress progress = io.github.lola4j.format.Progress.none();
    /** The names the command declared: reading another is a bug in the command (checked under -ea). */
    private final Set<String> declared = new java.util.HashSet<>();

    /** picocli's message for {@code --flag=value}, reworded in the house style. */
    private static final java.util.regex.Pattern FLAG_WITH_VALUE = java.util.regex.Pattern.compile(
            "option '(--[\\w-]+)' should be specified without '(.*)' parameter");

    private Options() {
    }

    /**
     * Parses {@code args} with picocli against the command's spec.
     *
     * @param args the command's arguments
     * @param spec what the command accepts
     * @return the parsed options; {@link #helpRequested()} when {@code -h}, {@code --help} or
     *         {@code -?} was among them
     * @throws UsageException on an unknown option (with the closest known name), a missing value,
     *                        a value given to a flag, or a positional argument
     */
    static Options parse(String[] args, Spec spec) {
        Options o = new Options();
        o.declared.addAll(spec.optionNames());
        CommandLine cl = new CommandLine(spec.toPicocli());
        try {
            CommandLine.ParseResult pr = cl.parseArgs(args);
            o.help = pr.isUsageHelpRequested();
            for (OptionSpec m : pr.matchedOptions()) {
                if (!m.usageHelp()) {
                    o.values.put(m.longestName().substring(2), m.arity().max() == 0 ? "true" : (String) m.getValue());
                }
            }
        } catch (CommandLine.UnmatchedArgumentException e) {
            String arg = e.getUnmatched().get(0);
            if (arg.startsWith("-") && arg.length() > 1 && !Character.isDigit(arg.charAt(1))) {
                String shown = arg.indexOf('=') >= 0 ? arg.substring(0, arg.indexOf('=')) : arg;
                String name = shown.replaceFirst("^-+", "").toLowerCase(java.util.Locale.ROOT);
                throw new UsageException("unknown option " + shown + Names.didYouMean(name, spec.optionNames(), "--"));
            }
            throw new UsageException("unexpected argument '" + arg + "'");
        } catch (CommandLine.MissingParameterException e) {
            OptionSpec missing = e.getMissing().isEmpty() || !(e.getMissing().get(0) instanceof OptionSpec os) ? null : os;
            throw new UsageException(missing == null ? e.getMessage()
                    : "option " + missing.longestName() + " needs a value (" + missing.paramLabel() + ")");
        } catch (CommandLine.ParameterException e) {
            String m = e.getMessage();
            java.util.regex.Matcher flag = FLAG_WITH_VALUE.matcher(m == null ? "" : m);
            if (flag.matches()) {
                m = "option " + flag.group(1) + " takes no value, got '" + flag.group(2) + "'";
            }
            throw new UsageException(m);
        }
        return o;
    }

    /**
     * Parses {@code args} against options known only by name (tests, and code that has no help
     * text): each value option takes a value, each flag none.
     */
    static Options parse(String[] args, Set<String> valueOptions, Set<String> flagOptions) {
        Spec spec = Spec.of("options", "");
        for (String v : valueOptions) {
            spec.option(v, "VALUE");
        }
        for (String f : flagOptions) {
            spec.flag(f);
        }
        return parse(args, spec);
    }

    /** Where long operations report: bars on a terminal unless {@code --quiet}, else nothing. */
    io.github.lola4j.format.Progress progress() {
        return progress;
    }

    /** Sets {@link #progress()}; Main does, from the terminal and {@code --quiet}. */
    Options progress(io.github.lola4j.format.Progress p) {
        this.progress = java.util.Objects.requireNonNull(p, "progress");
        return this;
    }

    /** Whether {@code -h}, {@code --help} or {@code -?} was given. */
    boolean helpRequested() {
        return help;
    }

    /** Whether the option or flag was given. */
    public boolean has(String name) {
        return value(name) != null;
    }

    /** The option's value, or {@code fallback} when absent. */
    public String get(String name, String fallback) {
        String v = value(name);
        return v != null ? v : fallback;
    }

    /**
     * Whether an option that not every command declares was given: for the helpers several
     * commands share (a command without {@code --batch} never is in batch mode).
     */
    public boolean given(String name) {
        return declared.contains(name) && values.containsKey(name);
    }

    /** Whether the command declares the option (whether or not it was given). */
    public boolean declares(String name) {
        return declared.contains(name);
    }

    /**
     * The value given for a declared option. Reading an undeclared one would silently see it
     * absent whatever the user typed (picocli refuses it first), so tests, which run with
     * assertions on, fail on it.
     */
    private String value(String name) {
        assert declared.contains(name) : "the command reads --" + name + " but does not declare it";
        return values.get(name);
    }

    /**
     * The option's value as an int, or {@code fallback} when absent.
     *
     * @throws UsageException when the value is not an integer in [min, max]
     */
    public int getInt(String name, int fallback, int min, int max) {
        String v = value(name);
        if (v == null) {
            return fallback;
        }
        try {
            int x = Integer.parseInt(v.trim());
            if (x < min || x > max) {
                throw new UsageException("option --" + name + " must be in [" + min + ", " + max + "], got " + x);
            }
            return x;
        } catch (NumberFormatException e) {
            throw new UsageException("option --" + name + " expects an integer, got '" + v + "'");
        }
    }

    /**
     * The option's value as a long, or {@code fallback} when absent.
     *
     * @throws UsageException when the value is not an integer
     */
    public long getLong(String name, long fallback) {
        String v = value(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("option --" + name + " expects an integer, got '" + v + "'");
        }
    }

    /**
     * The option's value as a double, or {@code fallback} when absent.
     *
     * @throws UsageException when the value is not a finite number
     */
    public double getDouble(String name, double fallback) {
        String v = value(name);
        if (v == null) {
            return fallback;
        }
        try {
            double x = Double.parseDouble(v.trim());
            if (!Double.isFinite(x)) {
                throw new UsageException("option --" + name + " must be a finite number, got '" + v + "'");
            }
            return x;
        } catch (NumberFormatException e) {
            throw new UsageException("option --" + name + " expects a number, got '" + v + "'");
        }
    }
}
