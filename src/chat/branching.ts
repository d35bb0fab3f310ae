// How editing a question, regenerating a reply and their refusals change the
// shown path, as pure functions on ChatState (like streamState.ts): they
// mutate the state they are given, a plain object in tests or a `produce`
// draft in the store.
//
// The shown path is cut below the message being replaced before the backend
// is asked, so the new reply's stream events, which may arrive before the
// command's answer, land where the reply belongs: right below its question.
import type { Message } from "../../bindings/bindings";
import { findMessage, fromMessage, type ChatMessage, type ChatState } from "./streamState";

/** Where message `id` is on the shown path, or -1. */
export function indexOf(state: ChatState, id: string): number {
  return state.messages.findIndex((m) => m.id === id);
}

/** Removes the messages from index `at` on and returns them, to be put
 * back by `restoreFrom` if the backend refuses. */
export function cutFrom(state: ChatState, at: number): ChatMessage[] {
  return state.messages.splice(at);
}

/** Puts back what `cutFrom(state, at)` removed, dropping anything shown
 * there since (nothing, unless a refused command still streamed). */
export function restoreFrom(state: ChatState, at: number, removed: readonly ChatMessage[]): void {
  state.messages.splice(at, state.messages.length - at, ...removed);
}

/** The edited question's new version, as the backend stored it, at index
 * `at` of the path (where the earlier version was); its reply, if its
 * stream already started, is below it. */
export function placeQuestion(state: ChatState, at: number, question: Message): void {
  const below = state.messages.slice(at).filter((m) => m.role === "assistant" && m.id !== question.id);
  state.messages.splice(at, state.messages.length - at, fromMessage(question), ...below);
}

/** The regenerated reply, as the backend returned it when it started: its
 * versions and model on the copy the stream events made, or, when none
 * arrived yet, added at the end of the path as the reply that streams. */
export function placeReply(state: ChatState, reply: Message): void {
  const shown = findMessage(state, reply.id);
  if (shown) {
    shown.versions = reply.versions ?? null;
    shown.model = reply.model;
    return;
  }
  state.messages.push(fromMessage(reply));
  if (reply.status === "streaming") state.streamingId = reply.id;
}
