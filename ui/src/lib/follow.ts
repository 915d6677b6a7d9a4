// Screens stay current by following the backend's "changed" events for their topic.
import { onMount } from 'svelte';
import type { Topic } from './bindings/Topic';
import { backend } from './ipc';

/**
 * Calls `onChange` each time the backend reports a change to `topic`, until the component
 * goes away. Call it while a component initialises.
 */
export function onTopic(topic: Topic, onChange: () => unknown): void {
  onMount(() => {
    let stop: (() => void) | undefined;
    let gone = false;
    backend()
      .onChanged((c) => {
        if (c.topics.includes(topic)) onChange();
      })
      // Subscribing is asynchronous: a component already gone unsubscribes at once.
      .then((unlisten) => (gone ? unlisten() : (stop = unlisten)));
    return () => {
      gone = true;
      stop?.();
    };
  });
}

/** Runs `load` when the component mounts, and again after each change to `topic`. */
export function loadAndFollow(topic: Topic, load: () => unknown): void {
  onMount(() => {
    load();
  });
  onTopic(topic, load);
}
