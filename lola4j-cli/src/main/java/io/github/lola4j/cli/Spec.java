package io.github.lola4j.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * What one command accepts and how its help reads: its options (each with its description), a
 * description and a footer. picocli parses the arguments against it and prints the help from it,
 * so the help lists exactly the options the command accepts, and every command's usage line
 * starts with the same program name.
 */
final class Spec {

    /** The program name in every usage line: the launcher's name. */
    static final String PROGRAM = "lola4j";

    private final String name;
    private final String summary;
    private final List<String> synopsis = new ArrayList<>();
    private final List<String> description = new ArrayList<>();
    private final List<String> footer = new ArrayList<>();
    private final Map<String, OptionSpec> options = new LinkedHashMap<>();

    private Spec(String name, String summary) {
        this.name = name;
        this.summary = summary;
    }

    /**
     * A command's spec.
     *
     * @param name    the command's name as typed
     * @param summary one line for the command list
     */
    static Spec of(String name, String summary) {
        return new Spec(name, summary);
    }

    /** The usage lines after "usage: ", each starting with {@code lola4j NAME}; by default one is derived. */
    Spec synopsis(String... lines) {
        synopsis.addAll(Arrays.asList(lines));
        return this;
    }

    /** The paragraphs between the usage line and the options (one string per line). */
    Spec description(String... lines) {
        description.addAll(Arrays.asList(lines));
        return this;
    }

    /** Lines after the options: notes, exit codes. */
    Spec footer(String... lines) {
        footer.addAll(Arrays.asList(lines));
        return this;
    }

    /**
     * An option that takes a value: {@code --NAME LABEL}.
     *
     * @param name        the option's name without the dashes
     * @param label       what the value is, e.g. {@code FILE}
     * @param description its lines in the help
     */
    Spec option(String name, String label, String... description) {
        return add(OptionSpec.builder("--" + name).paramLabel(label).arity("1").type(String.class)
                .description(paragraph(description)).build());
    }

    /** A flag: {@code --NAME}, no value. */
    Spec flag(String name, String... description) {
        return add(OptionSpec.builder("--" + name).arity("0").type(boolean.class).description(paragraph(description)).build());
    }

    /**
     * {@code --data} and {@code --dataset} as the commands that compile read them: only where the
     * test images that calibrate the value ranges are (CalibrationInputs; never a download).
     */
    Spec calibrationData() {
        return option("data", "DIR", "where the data set's test images for calibrating value ranges are (default",
                "$LOLA4J_DATA, then the cache; never downloads)")
                .option("dataset", "ID", "calibrate on this data set's test images (mnist, fashion-mnist, cifar10;",
                        "default: the one recorded in the model)");
    }

    private Spec add(OptionSpec o) {
        if (options.putIfAbsent(o.longestName(), o) != null) {
            throw new IllegalStateException("option " + o.longestName() + " declared twice in " + name);
        }
        return this;
    }

    /** The command's name. */
    String name() {
        return name;
    }

    /** One line for the command list. */
    String summary() {
        return summary;
    }

    /** The names of the options it accepts, without dashes. */
    Set<String> optionNames() {
        Set<String> s = new java.util.LinkedHashSet<>();
        for (String k : options.keySet()) {
            s.add(k.substring(2));
        }
        s.add("quiet");
        return s;
    }

    /**
     * The picocli model: a fresh one per call, since picocli records parse results in it.
     * Options are case-insensitive ({@code --HELP} works), given twice the last wins (as most
     * Unix tools do), and {@code -h}, {@code --help} and {@code -?} print the help.
     */
    CommandSpec toPicocli() {
        CommandSpec spec = CommandSpec.create().name(PROGRAM + " " + name);
        for (OptionSpec o : options.values()) {
            spec.addOption(OptionSpec.builder(o).build());
        }
        spec.addOption(OptionSpec.builder("-q", "--quiet").arity("0").type(boolean.class)
                .description("no progress bars (they are drawn on a terminal only)").build());
        spec.addOption(OptionSpec.builder("-h", "--help", "-?").usageHelp(true).description("print this help and exit")
                .build());
        spec.optionsCaseInsensitive(true);
        spec.parser().overwrittenOptionsAllowed(true);
        spec.parser().abbreviatedOptionsAllowed(false);
        var usage = spec.usageMessage();
        usage.width(100).autoWidth(false).abbreviateSynopsis(true).sortOptions(false).longOptionsMaxWidth(26)
                .synopsisHeading("usage: ").descriptionHeading("%n").optionListHeading("%noptions:%n")
                .footerHeading("%n").description(escape(description)).footer(escape(footer));
        if (!synopsis.isEmpty()) {
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < synopsis.size(); i++) {
                lines.add((i == 0 ? "" : "       ") + escape(synopsis.get(i)));
            }
            usage.customSynopsis(lines.toArray(new String[0]));
        }
        return spec;
    }

    /** The full help text. */
    String help() {
        return new CommandLine(toPicocli()).setSeparator(" ").getUsageMessage(CommandLine.Help.Ansi.OFF).stripTrailing();
    }

    /** The one-line usage that a usage error prints, with where the rest is. */
    String shortUsage() {
        String first = synopsis.isEmpty() ? PROGRAM + " " + name + " [options]" : synopsis.get(0);
        return "usage: " + first + "\n(" + PROGRAM + " " + name + " --help lists the options)";
    }

    /**
     * An option's description lines as one paragraph that picocli wraps to its column; an empty
     * string starts a new paragraph.
     */
    private static String[] paragraph(String... lines) {
        List<String> out = new ArrayList<>();
        StringBuilder b = new StringBuilder();
        for (String l : lines) {
            if (l.isEmpty()) {
                out.add(escape(b.toString()));
                b.setLength(0);
            } else {
                b.append(b.length() == 0 ? "" : " ").append(l.strip());
            }
        }
        out.add(escape(b.toString()));
        return out.toArray(new String[0]);
    }

    /** picocli reads '%' in help text as a format specifier: a literal one is doubled. */
    private static String[] escape(List<String> lines) {
        String[] r = new String[lines.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = escape(lines.get(i));
        }
        return r;
    }

    private static String escape(String s) {
        return s.replace("%", "%%");
    }
}
