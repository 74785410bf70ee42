package dev.valjean.subscription;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.ConsolePage;
import dev.valjean.auth.Role;
import dev.valjean.common.ValjeanException;
import dev.valjean.console.Frame;
import dev.valjean.console.Frames;
import dev.valjean.console.PageResponse;
import dev.valjean.newsletter.Newsletter;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;

/**
 * Imports in the console (admins): upload a CSV with evidence columns, read the report row by row
 * before anything is stored, then confirm. The confirmation checks the file again, so a row that
 * became refusable in between (an erasure, an opt-out) still stops the whole import.
 */
@Path("/console/imports")
@ConsolePage
@Authorized(Role.ADMIN)
@Produces(MediaType.TEXT_HTML)
public class ImportPages {

    /** The console takes smaller files than the API's 2 MB body, since the confirmation carries the file back. */
    static final int MAX_BYTES = 700 * 1024;

    /** What was imported, to say so at the top of the page. */
    public record Done(String newsletter, int imported, int alreadySubscribed) {
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance imports(Frame frame, List<Newsletter> newsletters, String chosen, ImportService.Preview preview,
                String csv, Done done, String error);
    }

    @Inject
    ImportService imports;
    @Inject
    Frames frames;

    @GET
    public TemplateInstance form() {
        return page(null, null, null, null, null);
    }

    /** Checks the uploaded file and shows the report; stores nothing. */
    @POST
    @Path("preview")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    public Response preview(@RestForm String newsletter, @RestForm("file") FileUpload file) {
        String csv;
        try {
            csv = read(file);
            return Response.ok(page(newsletter, imports.preview(newsletter, csv), csv, null, null).render()).build();
        } catch (ValjeanException e) {
            return PageResponse.of(e.status == 404 ? 422 : e.status, page(newsletter, null, null, null, e.getMessage()));
        }
    }

    /** Imports the file shown in the report, checked again; all rows or none. */
    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    public Response confirm(@RestForm String newsletter, @RestForm String csv) {
        try {
            ImportService.Report report = imports.importCsv(newsletter, csv);
            return Response.ok(page(newsletter, null, null, new Done(newsletter, report.imported(), report.alreadySubscribed()), null)
                    .render()).build();
        } catch (ImportService.Refused e) {
            return PageResponse.of(422, page(newsletter, imports.preview(newsletter, csv), csv, null,
                    "Something changed since the report: a row is refused now, so nothing was imported."));
        } catch (ValjeanException e) {
            return PageResponse.of(e.status == 404 ? 422 : e.status, page(newsletter, null, null, null, e.getMessage()));
        }
    }

    private static String read(FileUpload file) {
        if (file == null || file.size() == 0) {
            throw ValjeanException.invalid("EMPTY_IMPORT", "Choose a CSV file to check.");
        }
        if (file.size() > MAX_BYTES) {
            throw ValjeanException.invalid("IMPORT_TOO_LARGE", "The console takes files up to 700 KB (about 5,000 rows); "
                    + "import a larger list through the API (POST /api/v1/newsletters/{slug}/imports) in parts.");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file.uploadedFile()))).toString();
        } catch (CharacterCodingException e) {
            throw ValjeanException.invalid("IMPORT_NOT_UTF8", "The file is not UTF-8 text; save the CSV as UTF-8 and try again.");
        } catch (IOException e) {
            throw new IllegalStateException("Could not read the upload", e);
        }
    }

    private TemplateInstance page(String chosen, ImportService.Preview preview, String csv, Done done, String error) {
        return Templates.imports(frames.of("Import", "imports", "Import"), Newsletter.listBySlug(), chosen, preview, csv, done, error);
    }
}
