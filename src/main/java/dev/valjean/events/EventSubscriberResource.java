package dev.valjean.events;

import java.net.URI;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.Role;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Who hears Valjean's events: a URL, the event types it wants, the secret its deliveries are signed with. */
@Path("/api/v1/event-subscribers")
@Authorized(Role.ADMIN)
public class EventSubscriberResource {

    public record CreateSubscriber(@NotNull @Size(max = 2000) String url, @NotNull @Size(min = 1, max = 20) List<String> events,
            @Size(min = 16, max = 200) String secret) {
    }

    private final EventSubscribers subscribers;

    public EventSubscriberResource(EventSubscribers subscribers) {
        this.subscribers = subscribers;
    }

    /** Adds a subscriber; without a {@code secret} one is made, shown once. Events from now on are queued for it. */
    @Operation(operationId = "createEventSubscriber", summary = "Add an event subscriber",
            description = "Adds a receiver of events (subscription.*, contact.*, enrollment.*, sales_request.created): deliveries are signed with its secret (made and shown once when none is given), in order per person, retried with backoff, paused after a day of failures.")
    @APIResponse(responseCode = "201", description = "The subscriber; its secret is shown this once", content = @Content(mediaType = "application/json", schema = @Schema(implementation = dev.valjean.events.EventSubscribers.SubscriberView.class)))
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED (a field breaks a rule; errors[] names it), UNKNOWN_EVENT_TYPE")
    @POST
    public Response create(@Valid @NotNull CreateSubscriber r) {
        EventSubscribers.SubscriberView v = subscribers.create(r.url(), r.events(), r.secret());
        return Response.created(URI.create("/api/v1/event-subscribers/" + v.id())).entity(v).build();
    }

    /** Every subscriber with how many events wait for it and whether it is paused (no secrets). */
    @Operation(operationId = "listEventSubscribers", summary = "List event subscribers",
            description = "Every subscriber with its event types, how many events wait for it and whether it is paused (no secrets).")
    @GET
    public List<EventSubscribers.SubscriberView> list() {
        return subscribers.list();
    }

    /** Stops sending to a subscriber; what waits for it is dropped. */
    @Operation(operationId = "deleteEventSubscriber", summary = "Remove an event subscriber",
            description = "Removes a subscriber; what waits for it is dropped.")
    @APIResponse(responseCode = "204", description = "Removed")
    @DELETE
    @Path("/{id}")
    public Response delete(@PathParam("id") long id) {
        subscribers.delete(id);
        return Response.noContent().build();
    }

    /** Resumes a paused subscriber: what waited is sent, in order, from now. */
    @Operation(operationId = "resumeEventSubscriber", summary = "Resume a paused event subscriber",
            description = "Resumes a paused subscriber: what waited is sent in order from now.")
    @POST
    @Path("/{id}/resume")
    public EventSubscribers.SubscriberView resume(@PathParam("id") long id) {
        return subscribers.resume(id);
    }
}
