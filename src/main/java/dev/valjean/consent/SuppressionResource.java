package dev.valjean.consent;

import java.time.Instant;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;

import org.jboss.resteasy.reactive.RestResponse;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.Role;
import dev.valjean.common.EmailAddress;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;

/**
 * The suppression list, for operators (e.g. bounces and complaints reported by the relay).
 * Nothing here removes an entry: only a new explicit double opt-in brings an address back.
 */
@Path("/api/v1/suppressions")
@Authorized(Role.ADMIN)
public class SuppressionResource {

    public record SuppressRequest(@NotBlank @Size(max = 254) String email, @NotNull SuppressionReason reason,
            @Size(max = 1000) String detail) {
    }

    public record SuppressionView(SuppressionReason reason, String detail, Instant createdAt) {
        static SuppressionView of(Suppression s) {
            return new SuppressionView(s.reason, s.detail, s.createdAt);
        }
    }

    private final SuppressionService suppressions;

    public SuppressionResource(SuppressionService suppressions) {
        this.suppressions = suppressions;
    }

    /** The reasons this address is suppressed (empty when it is not). */
    @Operation(operationId = "getSuppressions", summary = "Read why an address is suppressed",
            description = "Why an address is on the suppression list (hard bounce, complaint, unsubscribe from all, erasure, by hand), with when; an empty list if it is not.")
    @APIResponse(responseCode = "200", description = "The address's suppressions", content = @Content(mediaType = "application/json", schema = @Schema(type = SchemaType.ARRAY, implementation = SuppressionView.class)))
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED: email missing or too long")
    @GET
    public List<SuppressionView> forAddress(@QueryParam("email") @NotBlank @Size(max = 254) String email) {
        return suppressions.reasonsFor(EmailAddress.parse(email)).stream().map(SuppressionView::of).toList();
    }

    /** Adds the address to the list; adding the same reason again changes nothing. */
    @Operation(operationId = "suppressAddress", summary = "Put an address on the suppression list",
            description = "Puts an address on the suppression list: the consent gate refuses every message to it from now on, including those already queued.")
    @APIResponse(responseCode = "201", description = "The address's suppressions", content = @Content(mediaType = "application/json", schema = @Schema(type = SchemaType.ARRAY, implementation = SuppressionResource.SuppressionView.class)))
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED (a field breaks a rule; errors[] names it), INVALID_EMAIL")
    @POST
    public RestResponse<List<SuppressionView>> suppress(@Valid @NotNull SuppressRequest request) {
        EmailAddress address = EmailAddress.parse(request.email());
        suppressions.suppress(address, request.reason(), request.detail());
        return RestResponse.status(RestResponse.Status.CREATED,
                suppressions.reasonsFor(address).stream().map(SuppressionView::of).toList());
    }
}
