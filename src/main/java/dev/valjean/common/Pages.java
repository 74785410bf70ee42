package dev.valjean.common;

import java.util.List;
import java.util.function.Function;

/**
 * Keyset paging for the API's short lists (newsletters, tokens, forms, consent texts, a deal's
 * enrollments): {@code limit} items after the one whose key is {@code before}, in the list's own
 * order. Long lists page in SQL with the same two parameters.
 */
public final class Pages {

    public static final int DEFAULT = 100;
    public static final int MAX = 500;

    private Pages() {
    }

    /** The page after {@code before} (the first page without it); a key no item has is a 422, not a silent empty page. */
    public static <T> List<T> after(List<T> all, Function<T, String> key, String before, Integer limit) {
        int n = limit == null ? DEFAULT : limit;
        if (n < 1 || n > MAX) {
            throw ValjeanException.field("VALIDATION_FAILED", "limit", "1 to " + MAX);
        }
        int from = 0;
        if (before != null) {
            from = -1;
            for (int i = 0; i < all.size(); i++) {
                if (before.equals(key.apply(all.get(i)))) {
                    from = i + 1;
                    break;
                }
            }
            if (from < 0) {
                throw ValjeanException.field("VALIDATION_FAILED", "before", "no item here has the key '" + Text.clip(before, 100) + "'");
            }
        }
        return all.subList(Math.min(from, all.size()), Math.min(all.size(), from + n));
    }
}
