package dev.valjean.newsletter;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.RestForm;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.ConsolePage;
import dev.valjean.auth.Role;
import dev.valjean.common.ValjeanException;
import dev.valjean.console.FieldErrors;
import dev.valjean.console.Frame;
import dev.valjean.console.Frames;
import dev.valjean.console.PageResponse;
import dev.valjean.mail.Links;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;

/**
 * A newsletter's settings: name, description, cadence, sender, postal address, limits, and the
 * consent text with its versions. Checked by the API's own rules (the same record, the same
 * Bean Validation), changed by the same service.
 */
@Path("/console/newsletters/{slug}/settings")
@ConsolePage
@Authorized({ Role.ADMIN, Role.EDITOR })
@Produces(MediaType.TEXT_HTML)
public class NewsletterSettingsPages {

    /** The form as typed. */
    public record Form(String name, String description, String cadence, String senderName, String senderAddress, String postalAddress,
            String subjectMax, String titleMax, String bodyMax, String consentText) {
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance settings(Frame frame, Newsletter newsletter, Form form, FieldErrors errors, List<ConsentText> history,
                String hostedUrl, String embedSnippet, String notice);
    }

    @Inject
    NewsletterService newsletters;
    @Inject
    Validator validator;
    @Inject
    Frames frames;
    @Inject
    Links links;

    @GET
    public TemplateInstance page(@PathParam("slug") String slug, @QueryParam("saved") String saved) {
        NewsletterService.Current c = current(slug);
        return render(c.newsletter(), formOf(c), FieldErrors.NONE, saved != null ? "Saved." : null);
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response save(@PathParam("slug") String slug, @RestForm String name, @RestForm String description, @RestForm String cadence,
            @RestForm String senderName, @RestForm String senderAddress, @RestForm String postalAddress, @RestForm String subjectMax,
            @RestForm String titleMax, @RestForm String bodyMax, @RestForm String consentText) {
        Newsletter n = current(slug).newsletter();
        Form form = new Form(name, description, cadence, senderName, senderAddress, postalAddress, subjectMax, titleMax, bodyMax, consentText);
        Map<String, String> errors = new LinkedHashMap<>();
        NewsletterResource.ChangeNewsletter change = new NewsletterResource.ChangeNewsletter(name, text(description),
                cadence(cadence, errors), senderName, senderAddress, text(consentText), number("subjectMax", subjectMax, errors),
                number("titleMax", titleMax, errors), number("bodyMax", bodyMax, errors), text(postalAddress));
        for (ConstraintViolation<NewsletterResource.ChangeNewsletter> v : validator.validate(change)) {
            errors.merge(v.getPropertyPath().toString(), v.getMessage(), (a, b) -> a + "; " + b);
        }
        if (!errors.isEmpty()) {
            return PageResponse.of(422, render(n, form, new FieldErrors(errors, null), null));
        }
        try {
            newsletters.change(slug, new NewsletterService.Change(change.name(), change.description(), change.cadence(), change.senderName(),
                    change.senderAddress(), change.consentText(), change.subjectMax(), change.titleMax(), change.bodyMax(),
                    change.postalAddress() == null ? "" : change.postalAddress()));
            return Response.seeOther(URI.create("/console/newsletters/" + slug + "/settings?saved")).build();
        } catch (ValjeanException e) {
            FieldErrors fieldErrors = FieldErrors.of(e);
            if ("INVALID_EMAIL".equals(e.code)) {
                fieldErrors = new FieldErrors(Map.of("senderAddress", e.getMessage()), null);
            }
            return PageResponse.of(e.status, render(n, form, fieldErrors, null));
        }
    }

    /** The public face: brand name, accent colour, logo (an upload, so a multipart form). */
    @POST
    @Path("brand")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    public Response brand(@PathParam("slug") String slug, @RestForm String brandName, @RestForm String accent,
            @RestForm("logo") org.jboss.resteasy.reactive.multipart.FileUpload logo, @RestForm String removeLogo) {
        Newsletter n = current(slug).newsletter();
        try {
            byte[] bytes = null;
            if (logo != null && logo.size() > 0) {
                if (logo.size() > 1024 * 1024) {
                    throw ValjeanException.field("LOGO_TOO_LARGE", "logo", "Use a logo of at most 200 KB.");
                }
                bytes = java.nio.file.Files.readAllBytes(logo.uploadedFile());
            }
            newsletters.changeBrand(slug, brandName, accent, new NewsletterService.Logo(bytes, "true".equals(removeLogo)));
            return Response.seeOther(URI.create("/console/newsletters/" + slug + "/settings?saved")).build();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (ValjeanException e) {
            NewsletterService.Current c = current(slug);
            return PageResponse.of(e.status, render(n, formOf(c), FieldErrors.of(e), null));
        }
    }

    private static Form formOf(NewsletterService.Current c) {
        Newsletter n = c.newsletter();
        return new Form(n.name, n.description == null ? "" : n.description, n.cadence.name(), n.senderName, n.senderAddress,
                n.postalAddress == null ? "" : n.postalAddress, String.valueOf(n.subjectMax), String.valueOf(n.titleMax),
                String.valueOf(n.bodyMax), c.consent().text);
    }

    private TemplateInstance render(Newsletter n, Form form, FieldErrors errors, String notice) {
        String snippet = "<div data-valjean=\"" + n.slug + "\"></div>\n<script src=\"" + links.base() + "/embed/" + n.slug + ".js\" async></script>";
        return Templates.settings(frames.of("Settings of " + n.name, "newsletters", "Newsletters", "/console", n.name,
                "/console/newsletters/" + n.slug, "Settings"), n, form, errors, newsletters.consentHistory(n.slug), links.subscribe(n.slug),
                snippet, notice);
    }

    private NewsletterService.Current current(String slug) {
        try {
            return newsletters.get(slug);
        } catch (ValjeanException e) {
            throw new WebApplicationException(404);
        }
    }

    private static String text(String value) {
        return value == null ? null : value.replace("\r\n", "\n");
    }

    private static Cadence cadence(String value, Map<String, String> errors) {
        try {
            return Cadence.valueOf(value);
        } catch (RuntimeException e) {
            errors.put("cadence", "Choose how often it arrives.");
            return null;
        }
    }

    private static Integer number(String field, String value, Map<String, String> errors) {
        try {
            return Integer.valueOf(value.strip());
        } catch (RuntimeException e) {
            errors.put(field, "Write a whole number.");
            return null;
        }
    }

}
