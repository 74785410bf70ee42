package dev.valjean.auth;

import java.net.URI;
import java.time.Instant;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;

import org.jboss.resteasy.reactive.RestResponse;

/** API tokens: created and revoked by an admin. The secret is returned once, at creation. */
@Path("/api/v1/tokens")
@Authorized(Role.ADMIN)
public class ApiTokenResource {

    public record CreateToken(
            @NotBlank @Size(max = 100) String name,
            @NotNull Role role,
            @Email @Size(max = 254) String email) {
    }

    public record TokenView(long id, String name, Role role, String email, Instant createdAt, Instant revokedAt) {
        static TokenView of(ApiToken t) {
            return new TokenView(t.id, t.name, t.role, t.email, t.createdAt, t.revokedAt);
        }
    }

    public record IssuedToken(long id, String name, Role role, String email, Instant createdAt, String token) {
    }

    private final ApiTokenService tokens;

    public ApiTokenResource(ApiTokenService tokens) {
        this.tokens = tokens;
    }

    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Create an API token (its secret shown once)")
    @POST
    public RestResponse<IssuedToken> create(@Valid @NotNull CreateToken request) {
        ApiTokenService.Issued issued = tokens.create(request.name().strip(), request.role(), request.email());
        ApiToken t = issued.token();
        return RestResponse.ResponseBuilder.<IssuedToken> created(URI.create("/api/v1/tokens/" + t.id))
                .entity(new IssuedToken(t.id, t.name, t.role, t.email, t.createdAt, issued.secret()))
                .build();
    }

    /** Tokens by id: {@code limit} (1–500, 100) after the token {@code before}. */
    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "List API tokens")
    @GET
    public List<TokenView> list(@jakarta.ws.rs.QueryParam("before") String before, @jakarta.ws.rs.QueryParam("limit") Integer limit) {
        return dev.valjean.common.Pages.after(tokens.list().stream().map(TokenView::of)
                .sorted(java.util.Comparator.comparingLong(TokenView::id)).toList(), t -> String.valueOf(t.id()), before, limit);
    }

    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Revoke an API token")
    @DELETE
    @Path("/{id}")
    public TokenView revoke(@PathParam("id") long id) {
        return TokenView.of(tokens.revoke(id));
    }
}
