package dev.valjean.issue;

import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.valjean.auth.PublicEndpoint;
import dev.valjean.common.Text;
import dev.valjean.mail.Links;
import dev.valjean.newsletter.Newsletter;
import io.quarkus.qute.Location;
import io.quarkus.qute.RawString;
import io.quarkus.qute.Template;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.media.Content;

/**
 * The open archive: every issue that went out, readable without an address, and an Atom feed.
 * Nothing here is personal: pages are rendered from the issue alone, never from a subscriber's copy.
 */
@PublicEndpoint
@Path("/archive")
public class ArchiveResource {

    private final IssueService issues;
    private final Links links;
    private final Template listPage;
    private final Template issuePage;

    public ArchiveResource(IssueService issues, Links links, @Location("pages/archive.html") Template listPage,
            @Location("pages/archive-issue.html") Template issuePage) {
        this.issues = issues;
        this.links = links;
        this.listPage = listPage;
        this.issuePage = issuePage;
    }

    @Operation(operationId = "showArchive", summary = "Read a newsletter's public archive",
            description = "A newsletter's public archive of sent issues.")
    @APIResponse(responseCode = "200", description = "The page", content = @Content(mediaType = "text/html"))
    @GET
    @Path("/{slug}")
    public Response list(@PathParam("slug") String slug) {
        Optional<Newsletter> n = Newsletter.findBySlug(slug);
        if (n.isEmpty()) {
            return notFound();
        }
        List<Issue> published = published(n.get());
        return html(listPage.data("newsletter", n.get()).data("brand", n.get().brand()).data("issues", published)
                .data("cadence", n.get().cadence.phrase).render());
    }

    @Operation(operationId = "showArchivedIssue", summary = "Read one archived issue",
            description = "One sent issue as a web page, without anyone's links.")
    @APIResponse(responseCode = "200", description = "The page", content = @Content(mediaType = "text/html"))
    @GET
    @Path("/{slug}/{id: [0-9]+}")
    public Response issue(@PathParam("slug") String slug, @PathParam("id") long id) {
        Optional<Newsletter> n = Newsletter.findBySlug(slug);
        Optional<Issue> issue = n.flatMap(x -> published(x).stream().filter(i -> i.id == id).findFirst());
        if (issue.isEmpty()) {
            return notFound();
        }
        Optional<String> asSent = issues.archiveHtml(issue.get(), n.get());
        if (asSent.isPresent()) {
            return html(asSent.get());
        }
        return html(issuePage.data("newsletter", n.get()).data("brand", n.get().brand()).data("issue", issue.get())
                .data("items", IssueContent.forLayout(IssueContent.fromJson(issue.get().items))).render());
    }

    @Operation(operationId = "getArchiveFeed", summary = "Read a newsletter's archive as an Atom feed",
            description = "The archive as an Atom feed.")
    @APIResponse(responseCode = "200", description = "The feed", content = @Content(mediaType = "application/atom+xml"))
    @GET
    @Path("/{slug}/feed.xml")
    public Response feed(@PathParam("slug") String slug) throws XMLStreamException {
        Optional<Newsletter> found = Newsletter.findBySlug(slug);
        if (found.isEmpty()) {
            return notFound();
        }
        Newsletter n = found.get();
        List<Issue> published = published(n);
        String archive = links.base() + "/archive/" + n.slug;
        StringWriter out = new StringWriter();
        XMLStreamWriter xml = XMLOutputFactory.newFactory().createXMLStreamWriter(out);
        xml.writeStartDocument("UTF-8", "1.0");
        xml.writeStartElement("feed");
        xml.writeDefaultNamespace("http://www.w3.org/2005/Atom");
        element(xml, "id", archive);
        element(xml, "title", n.name);
        if (n.description != null) {
            element(xml, "subtitle", n.description);
        }
        Instant updated = published.isEmpty() ? n.createdAt : published.get(0).startedAt;
        element(xml, "updated", updated.toString());
        link(xml, "self", archive + "/feed.xml");
        link(xml, "alternate", archive);
        xml.writeStartElement("author");
        element(xml, "name", n.senderName);
        xml.writeEndElement();
        for (Issue issue : published) {
            String url = archive + "/" + issue.id;
            xml.writeStartElement("entry");
            element(xml, "id", url);
            element(xml, "title", issue.subject);
            element(xml, "updated", issue.startedAt.toString());
            element(xml, "published", issue.startedAt.toString());
            link(xml, "alternate", url);
            if (issue.preheader != null) {
                element(xml, "summary", issue.preheader);
            }
            xml.writeStartElement("content");
            xml.writeAttribute("type", "html");
            xml.writeCharacters(itemsHtml(issue));
            xml.writeEndElement();
            xml.writeEndElement();
        }
        xml.writeEndElement();
        xml.writeEndDocument();
        xml.close();
        return Response.ok(out.toString()).type("application/atom+xml; charset=utf-8").build();
    }

    private List<Issue> published(Newsletter n) {
        return Issue.list("newsletterId = ?1 and status in ?2 order by startedAt desc", n.id,
                List.of(IssueStatus.SENDING, IssueStatus.SENT));
    }

    private static String itemsHtml(Issue issue) {
        StringBuilder html = new StringBuilder();
        for (Map<String, Object> item : IssueContent.forLayout(IssueContent.fromJson(issue.items))) {
            html.append("<h2>").append(Text.escapeHtml((String) item.get("title"))).append("</h2>");
            html.append(((RawString) item.get("html")).getValue());
            String url = (String) item.get("url");
            if (!url.isEmpty()) {
                html.append("<p><a href=\"").append(Text.escapeHtml(url)).append("\">").append(Text.escapeHtml(url)).append("</a></p>");
            }
        }
        return html.toString();
    }

    private static void element(XMLStreamWriter xml, String name, String text) throws XMLStreamException {
        xml.writeStartElement(name);
        xml.writeCharacters(text);
        xml.writeEndElement();
    }

    private static void link(XMLStreamWriter xml, String rel, String href) throws XMLStreamException {
        xml.writeEmptyElement("link");
        xml.writeAttribute("rel", rel);
        xml.writeAttribute("href", href);
    }

    private static Response html(String body) {
        return Response.ok(body).type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8")).build();
    }

    private static Response notFound() {
        return Response.status(404).type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                .entity("<!DOCTYPE html><title>Not found</title><p>There is no such newsletter or issue.</p>").build();
    }
}
