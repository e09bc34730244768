package io.github.lola4j.cli;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small parser for {@code --name value} and {@code --flag} options, strict about unknown names.
 *
 * <p>Every option a command accepts must be declared: a misspelled option is a usage error, never
 * silently ignored.
 */
final class Options {
    private final Map<String, String> values = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();

    private Options() {
    }

    /**
     * Parses {@code args}.
     *
     * @param args          the command's arguments
     * @param valueOptions  names (without {@code --}) that take a value
     * @param flagOptions   names that take no value
     * @return the parsed options
     * @throws UsageException on an unknown option or a missing value
     */
    public static Options parse(String[] args, Set<String> valueOptions, Set<String> flagOptions) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("--")) {
                String name = a.substring(2);
                String inline = null;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    inline = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                if (valueOptions.contains(name)) {
                    if (inline == null) {
                        if (i + 1 >= args.length) {
                            throw new UsageException("option --" + name + " needs a value");
                        }
                        inline = args[++i];
                    }
                    o.values.put(name, inline);
                } else if (flagOptions.contains(name)) {
                    if (inline != null) {
                        throw new UsageException("option --" + name + " takes no value");
                    }
                    o.values.put(name, "true");
                } else {
                    java.util.Set<String> known = new java.util.HashSet<>(valueOptions);
                    known.addAll(flagOptions);
                    throw new UsageException("unknown option --" + name + Names.didYouMean(name, known, "--"));
                }
            } else {
                o.positional.add(a);
            }
        }
        return o;
    }

    /** Whether the option or flag was given. */
    public boolean has(String name) {
        return values.containsKey(name);
    }

    /** The option's value, or {@code fallback} when absent. */
    public String get(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    /**
     * The option's value as an int, or {@code fallback} when absent.
     *
     * @throws UsageException when the value is not an integer in [min, max]
     */
    public int getInt(String name, int fallback, int min, int max) {
        String v = values.get(name);
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
        String v = values.get(name);
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
        String v = values.get(name);
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

    /** The positional (non-option) arguments, in order. */
    public List<String> positional() {
        return Collections.unmodifiableList(positional);
    }

    /**
     * Fails when positional arguments were given to a command that takes none.
     *
     * @throws UsageException naming the first unexpected argument
     */
    public void requireNoPositional() {
        if (!positional.isEmpty()) {
            throw new UsageException("unexpected argument '" + positional.get(0) + "'");
        }
    }
}
