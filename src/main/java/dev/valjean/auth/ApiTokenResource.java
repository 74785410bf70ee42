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

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

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

    @Operation(operationId = "createToken", summary = "Create an API token (its secret shown once)",
            description = "Creates an API token with one role (ADMIN, EDITOR, SALES, BOUNCES); its secret is in this answer only.")
    @APIResponse(responseCode = "201", description = "The token with its secret", content = @Content(mediaType = "application/json", schema = @Schema(implementation = ApiTokenResource.IssuedToken.class)))
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED (a field breaks a rule; errors[] names it), TOKEN_NAME, TOKEN_ROLE")
    @POST
    public RestResponse<IssuedToken> create(@Valid @NotNull CreateToken request) {
        ApiTokenService.Issued issued = tokens.create(request.name().strip(), request.role(), request.email());
        ApiToken t = issued.token();
        return RestResponse.ResponseBuilder.<IssuedToken> created(URI.create("/api/v1/tokens/" + t.id))
                .entity(new IssuedToken(t.id, t.name, t.role, t.email, t.createdAt, issued.secret()))
                .build();
    }

    /** Tokens by id: {@code limit} (1–500, 100) after the token {@code before}. */
    @Operation(operationId = "listTokens", summary = "List API tokens",
            description = "Tokens by id (no secrets), revoked ones too.")
    @GET
    public List<TokenView> list(@jakarta.ws.rs.QueryParam("before") String before, @jakarta.ws.rs.QueryParam("limit") Integer limit) {
        return dev.valjean.common.Pages.after(tokens.list().stream().map(TokenView::of)
                .sorted(java.util.Comparator.comparingLong(TokenView::id)).toList(), t -> String.valueOf(t.id()), before, limit);
    }

    @Operation(operationId = "revokeToken", summary = "Revoke an API token",
            description = "Revokes a token at once.")
    @APIResponse(responseCode = "200", description = "The token, revoked", content = @Content(mediaType = "application/json", schema = @Schema(implementation = TokenView.class)))
    @APIResponse(responseCode = "409", description = "TOKEN_ALREADY_REVOKED, LAST_ADMIN_TOKEN (the last admin token of a server without console admins)")
    @DELETE
    @Path("/{id}")
    public TokenView revoke(@PathParam("id") long id) {
        return TokenView.of(tokens.revoke(id));
    }
}
