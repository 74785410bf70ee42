package dev.valjean.subscription;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.valjean.auth.PublicEndpoint;
import dev.valjean.mail.Links;
import dev.valjean.newsletter.ConsentText;
import dev.valjean.newsletter.Newsletter;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.media.Content;

/**
 * The embeddable sign-up form: {@code <script src=".../embed/{slug}.js"></script>} renders the form
 * where the script (or an element with {@code data-valjean="{slug}"}) sits, solves the challenge
 * and posts to the JSON API, which answers only the configured origins.
 */
@PublicEndpoint
@Path("/embed")
public class EmbedResource {

    private final Links links;
    private final ObjectMapper json;
    private final String template;

    public EmbedResource(Links links, ObjectMapper json) {
        this.links = links;
        this.json = json;
        this.template = HostedPages.resource("web/solver.js") + HostedPages.resource("web/embed.js");
    }

    @Operation(operationId = "getEmbedScript", summary = "Get the embeddable sign-up form script",
            description = "The script that draws a newsletter's sign-up form on an allowed site.")
    @APIResponse(responseCode = "200", description = "The script", content = @Content(mediaType = "text/javascript"))
    @GET
    @Path("/{slug}.js")
    public Response script(@PathParam("slug") String slug) throws JsonProcessingException {
        Optional<Newsletter> found = Newsletter.findBySlug(slug);
        if (found.isEmpty()) {
            return Response.status(404).type("application/javascript").entity("/* no such newsletter */\n").build();
        }
        Newsletter n = found.get();
        ConsentText consent = ConsentText.current(n.id).orElseThrow();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("base", links.base());
        config.put("slug", n.slug);
        config.put("name", n.name);
        config.put("cadence", ConfirmationMail.cadenceOf(n));
        config.put("consentText", consent.text);
        config.put("consentVersion", consent.version);
        config.put("accent", n.brand().accent());
        // JSON is valid JavaScript; "<" is escaped so no text can close a surrounding script element.
        String literal = json.writeValueAsString(config).replace("<", "\\u003c");
        CacheControl cache = new CacheControl();
        cache.setMaxAge(300);
        return Response.ok(template.replace("__CONFIG__", literal)).type("application/javascript; charset=utf-8")
                .cacheControl(cache).build();
    }
}
