package io.github.lola4j.cli;

import java.util.Collection;
import java.util.Optional;

/** The closest known name to a mistyped one, for "did you mean" in usage errors. */
final class Names {

    private Names() {
    }

    /**
     * The known name nearest to {@code typed} by edit distance, when it is near enough to be a
     * typo: at most 2 edits, or a third of the typed name's length for longer names.
     *
     * @param typed the name given
     * @param known the names that exist
     * @return the suggestion, or empty
     */
    static Optional<String> closest(String typed, Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(typed, k);
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return best != null && bestDistance <= Math.max(2, typed.length() / 3) ? Optional.of(best) : Optional.empty();
    }

    /** " (did you mean X?)" or "". */
    static String didYouMean(String typed, Collection<String> known, String prefix) {
        return closest(typed, known).map(k -> " (did you mean " + prefix + k + "?)").orElse("");
    }

    /** Levenshtein distance, two rows. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
