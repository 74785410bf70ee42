package dev.valjean.common;

import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * HTML answers to personal links (confirm, unsubscribe, preferences, opt-out): never cached,
 * never sent on as a referrer, never framed.
 */
public final class PersonalPage {

    private PersonalPage() {
    }

    public static Response of(int status, String html) {
        return Response.status(status).entity(html).type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8")).cacheControl(noStore())
                .header("Referrer-Policy", "no-referrer").header("X-Frame-Options", "DENY").build();
    }

    public static CacheControl noStore() {
        CacheControl c = new CacheControl();
        c.setNoStore(true);
        return c;
    }
}
