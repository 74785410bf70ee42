package dev.valjean.console;

import java.net.URI;
import java.util.Optional;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.RestForm;

import dev.valjean.auth.Caller;
import dev.valjean.auth.ConsolePage;
import dev.valjean.auth.Person;
import dev.valjean.auth.PublicEndpoint;
import dev.valjean.auth.SessionService;
import dev.valjean.common.ClientAddress;
import dev.valjean.common.ValjeanException;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.vertx.core.http.HttpServerRequest;

/** Signing in and out, choosing a password from an invitation or reset link, and the pages every role shares. */
@Path("/console")
@ConsolePage
@PublicEndpoint
@Produces(MediaType.TEXT_HTML)
public class ConsolePages {

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance signIn(Frame frame, String email, String then, String error, boolean sso);

        static native TemplateInstance choosePassword(Frame frame, String action, Person person, FieldErrors errors);

        static native TemplateInstance forgotPassword(Frame frame, boolean sent);

        static native TemplateInstance linkExpired(Frame frame);

        public static native TemplateInstance problem(Frame frame, String title, String message);
    }

    @Inject
    SessionService sessions;
    @Inject
    PeopleService people;
    @Inject
    Frames frames;
    @Inject
    Caller caller;
    @Inject
    HttpServerRequest http;
    @org.eclipse.microprofile.config.inject.ConfigProperty(name = "quarkus.oidc.tenant-enabled", defaultValue = "false")
    boolean sso;

    @GET
    @Path("sign-in")
    public TemplateInstance signInPage(@QueryParam("then") String then) {
        return Templates.signIn(frames.of("Sign in", "sign-in"), null, safeThen(then), null, sso);
    }

    @POST
    @Path("sign-in")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response signIn(@RestForm String email, @RestForm String password, @RestForm String then) {
        try {
            SessionService.Started started = sessions.signIn(email, password, ClientAddress.of(http));
            return Response.seeOther(URI.create(safeThen(then))).cookie(sessionCookie(started.token())).build();
        } catch (ValjeanException e) {
            Response.ResponseBuilder answer = Response.status(e.status).type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                    .entity(Templates.signIn(frames.of("Sign in", "sign-in"), email, safeThen(then), e.getMessage(), sso).render());
            if (e.retryAfterSeconds() != null) {
                answer.header("Retry-After", e.retryAfterSeconds());
            }
            return answer.build();
        }
    }

    /** The single-use sign-in link printed in dev mode. */
    @GET
    @Path("sign-in/{token}")
    public Response signInWithLink(@PathParam("token") String token) {
        Optional<SessionService.Started> started = people.signInWithLink(token);
        if (started.isEmpty()) {
            return Response.status(410).type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                    .entity(Templates.linkExpired(frames.of("Link expired", "sign-in")).render()).build();
        }
        return Response.seeOther(URI.create("/console")).cookie(sessionCookie(started.get().token())).build();
    }

    @POST
    @Path("sign-out")
    public Response signOut() {
        if (caller.sessionId() != null) {
            sessions.signOut(caller.sessionId());
        }
        return Response.seeOther(URI.create("/console/sign-in")).cookie(sessions.cookie(null)).build();
    }

    @GET
    @Path("invitation/{token}")
    public Response invitation(@PathParam("token") String token) {
        return choosePasswordPage("invitation", token);
    }

    @POST
    @Path("invitation/{token}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response acceptInvitation(@PathParam("token") String token, @RestForm String password, @RestForm String repeat) {
        return choosePassword("invitation", token, password, repeat);
    }

    @GET
    @Path("password-reset/{token}")
    public Response resetPage(@PathParam("token") String token) {
        return choosePasswordPage("password-reset", token);
    }

    @POST
    @Path("password-reset/{token}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response reset(@PathParam("token") String token, @RestForm String password, @RestForm String repeat) {
        return choosePassword("password-reset", token, password, repeat);
    }

    @GET
    @Path("forgot-password")
    public TemplateInstance forgotPage() {
        return Templates.forgotPassword(frames.of("Forgot your password?", "sign-in"), false);
    }

    @POST
    @Path("forgot-password")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public TemplateInstance forgot(@RestForm String email) {
        people.requestReset(email);
        return Templates.forgotPassword(frames.of("Forgot your password?", "sign-in"), true);
    }

    private Response choosePasswordPage(String kind, String token) {
        Optional<Person> person = people.personOfLink(token);
        if (person.isEmpty()) {
            return expired();
        }
        return PageResponse.of(200, Templates.choosePassword(frames.of("Choose your password", "sign-in"), "/console/" + kind + "/" + token,
                person.get(), FieldErrors.NONE));
    }

    private Response choosePassword(String kind, String token, String password, String repeat) {
        try {
            SessionService.Started started = people.choosePassword(token, password, repeat);
            return Response.seeOther(URI.create("/console")).cookie(sessionCookie(started.token())).build();
        } catch (ValjeanException e) {
            if (e.status == 410) {
                return expired();
            }
            Optional<Person> person = people.personOfLink(token);
            if (person.isEmpty()) {
                return expired();
            }
            return PageResponse.of(e.status, Templates.choosePassword(frames.of("Choose your password", "sign-in"), "/console/" + kind + "/" + token,
                    person.get(), FieldErrors.of(e)));
        }
    }

    private Response expired() {
        return PageResponse.of(410, Templates.linkExpired(frames.of("Link expired", "sign-in")));
    }


    private NewCookie sessionCookie(String token) {
        return sessions.cookie(token);
    }

    /** Only a path inside the console: never another site (an open redirect). */
    static String safeThen(String then) {
        if (then == null || !then.startsWith("/console") || then.startsWith("//") || then.contains("\\") || then.length() > 500
                || then.chars().anyMatch(c -> c < 0x20)) {
            return "/console";
        }
        return then;
    }
}
