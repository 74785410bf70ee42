package dev.valjean.common;

import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * HTML answers to personal links (confirm, unsubscribe, preferences, opt-out): never cached,
 * never sent on as a referrer, never framed.
 */
public final class PersonalPage {

    /** Made once: building them was 3 % of a one-click's worker time (docs/BENCHMARKS.md, thirty-seventh session). */
    private static final MediaType HTML = MediaType.TEXT_HTML_TYPE.withCharset("UTF-8");
    private static final CacheControl NO_STORE = noStore();

    private PersonalPage() {
    }

    public static Response of(int status, String html) {
        return Response.status(status).entity(html).type(HTML).cacheControl(NO_STORE)
                .header("Referrer-Policy", "no-referrer").header("X-Frame-Options", "DENY").build();
    }

    public static CacheControl noStore() {
        CacheControl c = new CacheControl();
        c.setNoStore(true);
        return c;
    }
}
