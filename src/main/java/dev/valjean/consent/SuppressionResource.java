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
    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Read why an address is suppressed")
    @GET
    public List<SuppressionView> forAddress(@QueryParam("email") @NotBlank @Size(max = 254) String email) {
        return suppressions.reasonsFor(EmailAddress.parse(email)).stream().map(SuppressionView::of).toList();
    }

    /** Adds the address to the list; adding the same reason again changes nothing. */
    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Put an address on the suppression list")
    @POST
    public RestResponse<List<SuppressionView>> suppress(@Valid @NotNull SuppressRequest request) {
        EmailAddress address = EmailAddress.parse(request.email());
        suppressions.suppress(address, request.reason(), request.detail());
        return RestResponse.status(RestResponse.Status.CREATED,
                suppressions.reasonsFor(address).stream().map(SuppressionView::of).toList());
    }
}
