package dev.valjean.common;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.security.SecurityScheme;

import io.quarkus.smallrye.openapi.OpenApiFilter;

/**
 * What every operation of the API shares, added to the generated document at build time: the
 * bearer-token security scheme and requirement (not on the public endpoints), the problem+json
 * answers (400, 401, 403, 404, 422) with the Problem schema, and a tag by area.
 */
@OpenApiFilter(OpenApiFilter.RunStage.BUILD)
public class ApiDocument implements OASFilter {

    /** Operations anyone may call: no token, so no security requirement and no 401/403. */
    static final List<String> PUBLIC = List.of("POST /api/v1/subscriptions", "GET /api/v1/challenge");

    /** Tags by the first path segments, in the order Swagger UI shows them. */
    static final Map<String, String[]> TAGS = new LinkedHashMap<>();

    static {
        TAGS.put("/api/v1/subscriptions", new String[] { "Sign-up", "Asking for a newsletter (double opt-in) and the proof of work" });
        TAGS.put("/api/v1/challenge", TAGS.get("/api/v1/subscriptions"));
        TAGS.put("/api/v1/newsletters/{slug}/issues", new String[] { "Issues", "Writing, testing, scheduling and sending issues" });
        TAGS.put("/api/v1/newsletters/{slug}/imports", new String[] { "Imports", "Importing subscribers who consented elsewhere, with evidence" });
        TAGS.put("/api/v1/newsletters", new String[] { "Newsletters", "Newsletters, their cadence and consent texts" });
        TAGS.put("/api/v1/issues", TAGS.get("/api/v1/newsletters/{slug}/issues"));
        TAGS.put("/api/v1/contacts", new String[] { "People and consent", "A person's data, consent proof, erasure; the suppression list" });
        TAGS.put("/api/v1/suppressions", TAGS.get("/api/v1/contacts"));
        TAGS.put("/api/v1/accounts", new String[] { "CRM", "Accounts and opportunities as the CRM sends them" });
        TAGS.put("/api/v1/opportunities", TAGS.get("/api/v1/accounts"));
        TAGS.put("/api/v1/sequences", new String[] { "Nurture", "Sequences and enrollments for people already in a conversation" });
        TAGS.put("/api/v1/enrollments", TAGS.get("/api/v1/sequences"));
        TAGS.put("/api/v1/forms", new String[] { "Forms", "Forms of six kinds and their submissions" });
        TAGS.put("/api/v1/sales-requests", new String[] { "Sales requests", "Demo, contact-sales and trial requests" });
        TAGS.put("/api/v1/outbox", new String[] { "Delivery", "The outbox every email leaves through" });
        TAGS.put("/api/v1/bounces", new String[] { "Bounces", "Bounce and complaint reports" });
        TAGS.put("/api/v1/event-subscribers", new String[] { "Events", "Who hears Valjean's events" });
        TAGS.put("/api/v1/tokens", new String[] { "Tokens", "API tokens and their roles" });
        TAGS.put("/webhooks", new String[] { "Webhooks in", "Signed calls from the CRM and sending providers" });
        TAGS.put("/", new String[] { "Public pages", "What people reach from emails and forms" });
    }

    @Override
    public void filterOpenAPI(OpenAPI api) {
        if (api.getPaths() == null || api.getPaths().getPathItems() == null) {
            return;
        }
        if (api.getComponents() == null) {
            api.setComponents(OASFactory.createComponents());
        }
        api.getComponents().addSecurityScheme("bearer", OASFactory.createSecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")
                .description("An API token: Authorization: Bearer vj_… (each token has one role)"));
        api.getComponents().addSchema("Problem", problemSchema());
        if (api.getServers() == null || api.getServers().isEmpty()) {
            api.addServer(OASFactory.createServer().url("/").description("this Valjean server"));
        }
        if (api.getInfo() == null) {
            api.setInfo(OASFactory.createInfo());
        }
        if (api.getInfo().getLicense() == null) {
            api.getInfo().setLicense(OASFactory.createLicense().name("Proprietary").identifier("LicenseRef-Proprietary"));
        }
        Map<String, String> tagDescriptions = new LinkedHashMap<>();
        api.getPaths().getPathItems().forEach((path, item) -> item.getOperations().forEach((method, op) -> {
            String[] tag = tagOf(path);
            tagDescriptions.putIfAbsent(tag[0], tag[1]);
            op.setTags(List.of(tag[0]));
            boolean isPublic = !path.startsWith("/api/v1") || PUBLIC.contains(method + " " + path);
            if (!isPublic) {
                op.setSecurity(List.of(OASFactory.createSecurityRequirement().addScheme("bearer")));
                problem(op, "401", "No token, or one that is unknown or revoked (code UNAUTHORIZED)");
                problem(op, "403", "The token's role may not do this (code FORBIDDEN)");
            } else {
                // open to anyone (an empty requirement), or verified by the sender's own signature
                op.setSecurity(List.of(OASFactory.createSecurityRequirement()));
                if (path.startsWith("/webhooks")) {
                    problem(op, "401", "Not signed as the sender signs (code UNAUTHORIZED)");
                }
            }
            if (path.contains("{")) {
                problem(op, "404", "Nothing has this id (code NOT_FOUND)");
            }
            acceptPlainJson(op);
            if (op.getRequestBody() != null) {
                problem(op, "400", "Not JSON, or JSON of the wrong shape (code MALFORMED_JSON)");
                problem(op, "422", "VALIDATION_FAILED: a field breaks a rule; errors[] names each field");
            }
            // every error an operation documents itself (409 with its codes, 422, 429) is a problem too
            if (op.getResponses() != null && op.getResponses().getAPIResponses() != null) {
                op.getResponses().getAPIResponses().forEach((status, response) -> {
                    if (status.startsWith("4") && response.getContent() == null) {
                        problem(op, status, response.getDescription());
                    }
                });
            }
        }));
        tagDescriptions.forEach((name, description) -> api.addTag(OASFactory.createTag().name(name).description(description)));
    }

    /**
     * Every merge-patch body is also taken as plain JSON (the resources consume both): an operation
     * documents its patch once, with the merge-patch media type, and gets the other here.
     */
    private static void acceptPlainJson(Operation op) {
        if (op.getRequestBody() == null || op.getRequestBody().getContent() == null) {
            return;
        }
        var media = op.getRequestBody().getContent().getMediaTypes();
        if (media != null && media.containsKey(MergePatch.MEDIA_TYPE) && !media.containsKey("application/json")) {
            op.getRequestBody().getContent().addMediaType("application/json",
                    OASFactory.createMediaType().schema(media.get(MergePatch.MEDIA_TYPE).getSchema()));
        }
    }

    static String[] tagOf(String path) {
        String[] best = TAGS.get("/");
        int length = 0;
        for (var e : TAGS.entrySet()) {
            if (path.startsWith(e.getKey()) && e.getKey().length() > length) {
                best = e.getValue();
                length = e.getKey().length();
            }
        }
        return best;
    }

    private static void problem(Operation op, String status, String description) {
        if (op.getResponses() == null) {
            op.setResponses(OASFactory.createAPIResponses());
        }
        var content = OASFactory.createContent().addMediaType(Problem.MEDIA_TYPE,
                OASFactory.createMediaType().schema(OASFactory.createSchema().ref("#/components/schemas/Problem")));
        APIResponse existing = op.getResponses().getAPIResponse(status);
        if (existing != null) {
            // the generator's own 400 for bean validation says nothing of the body: it is a problem like the others
            existing.setContent(content);
            return;
        }
        op.getResponses().addAPIResponse(status, OASFactory.createAPIResponse().description(description).content(content));
    }

    private static Schema problemSchema() {
        Schema text = OASFactory.createSchema().addType(Schema.SchemaType.STRING);
        return OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                .description("RFC 9457 problem details with Valjean's stable code and, for validation failures, the fields at fault")
                .addProperty("type", text).addProperty("title", text)
                .addProperty("status", OASFactory.createSchema().addType(Schema.SchemaType.INTEGER))
                .addProperty("detail", text)
                .addProperty("code", OASFactory.createSchema().addType(Schema.SchemaType.STRING).description("stable, e.g. VALIDATION_FAILED"))
                .addProperty("errors", OASFactory.createSchema().addType(Schema.SchemaType.ARRAY).items(OASFactory.createSchema()
                        .addType(Schema.SchemaType.OBJECT).addProperty("field", text).addProperty("message", text)))
                .required(List.of("title", "status", "code"));
    }
}
