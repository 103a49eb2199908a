//! A sequence of prompts played as one RTP stream: greeting, then menu, then hold music.
//!
//! ```text
//!   Playing(player, queue) --player finished, queue non-empty--> Playing(next, queue − 1)
//!   Playing(player, [])    --player finished-->                  Finished
//!   any                    --replace(prompt, now)-->             Playing(prompt, [])
//! ```
//! Each next prompt starts in the slot right after the previous one's last packet, with the
//! stream's SSRC, sequence and timestamp carried on ([`PromptPlayer::continue_from`]), so the
//! phone hears one gap-free source with a marker bit at each prompt start. `replace` is for
//! barge-in: a key press stops the menu and the reply starts at once.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use crate::prompt::{Prompt, PromptPlayer, RtpStreamState};

/// Prompts queued behind the one playing.
#[derive(Debug, Clone)]
pub struct Playlist {
    current: PromptPlayer,
    queue: VecDeque<(Arc<Prompt>, bool)>,
}

impl Playlist {
    /// A playlist starting with `first`.
    pub fn new(first: PromptPlayer) -> Playlist {
        Playlist {
            current: first,
            queue: VecDeque::new(),
        }
    }

    /// Queues a prompt after the ones already queued. A looping prompt never finishes, so
    /// anything queued behind it is only reached through [`Playlist::replace`].
    pub fn push(&mut self, prompt: Arc<Prompt>, looping: bool) {
        self.queue.push_back((prompt, looping));
    }

    /// Drops the playing and queued prompts and plays `prompt` from `now` on the same stream.
    pub fn replace(&mut self, prompt: Arc<Prompt>, looping: bool, now: Instant) {
        self.queue.clear();
        self.current = PromptPlayer::continue_from(&self.current, prompt, looping, now);
    }

    /// The player of the prompt playing now.
    pub fn current(&self) -> &PromptPlayer {
        &self.current
    }

    /// Where the stream stands.
    pub fn stream_state(&self) -> RtpStreamState {
        self.current.stream_state()
    }

    /// Whether every prompt has been sent.
    pub fn is_finished(&self) -> bool {
        self.current.is_finished() && self.queue.is_empty()
    }

    /// When the next packet is due; `None` once finished.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.current.poll_timeout() {
            Some(due) => Some(due),
            None if !self.queue.is_empty() => Some(self.current.next_due()),
            None => None,
        }
    }

    /// Writes the next due packet into `buf` (see [`PromptPlayer::poll_packet`]), moving on to
    /// the next prompt when the current one is done.
    pub fn poll_packet(&mut self, now: Instant, buf: &mut [u8]) -> Option<usize> {
        loop {
            if let Some(len) = self.current.poll_packet(now, buf) {
                return Some(len);
            }
            if !self.current.is_finished() {
                return None;
            }
            let (prompt, looping) = self.queue.pop_front()?;
            let start = self.current.next_due();
            self.current = PromptPlayer::continue_from(&self.current, prompt, looping, start);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Codec;
    use crate::prompt::{FRAME_DURATION, FRAME_SAMPLES, PACKET_LEN};
    use crate::rtp::RtpHeader;
    use std::time::Duration;

    fn prompt(frames: usize, level: i16) -> Arc<Prompt> {
        Arc::new(Prompt::from_samples(&vec![level; frames * FRAME_SAMPLES]).expect("samples"))
    }

    #[test]
    fn greeting_then_menu_is_one_gap_free_stream() {
        let start = Instant::now();
        let greeting = PromptPlayer::new(prompt(2, 1000), Codec::Pcmu, 0, false, 5, start);
        let mut list = Playlist::new(greeting);
        list.push(prompt(3, -1000), false);
        let mut buf = [0u8; PACKET_LEN];
        let mut headers = Vec::new();
        while let Some(due) = list.poll_timeout() {
            while list.poll_packet(due, &mut buf).is_some() {
                headers.push(RtpHeader::parse(&buf).expect("valid RTP"));
            }
        }
        assert!(list.is_finished());
        assert_eq!(headers.len(), 5);
        let markers: Vec<bool> = headers.iter().map(|h| h.marker).collect();
        assert_eq!(markers, vec![true, false, true, false, false]);
        for pair in headers.windows(2) {
            assert_eq!(pair[1].sequence, pair[0].sequence.wrapping_add(1));
            assert_eq!(pair[1].timestamp, pair[0].timestamp.wrapping_add(160));
            assert_eq!(pair[1].ssrc, 5);
        }
    }

    #[test]
    fn replace_interrupts_at_once() {
        let start = Instant::now();
        let menu = PromptPlayer::new(prompt(50, 1000), Codec::Pcma, 8, false, 5, start);
        let mut list = Playlist::new(menu);
        list.push(prompt(1, 0), false);
        let mut buf = [0u8; PACKET_LEN];
        assert!(list.poll_packet(start, &mut buf).is_some());
        let key_press = start + Duration::from_millis(30);
        list.replace(prompt(1, 0), false, key_press);
        assert_eq!(list.poll_timeout(), Some(key_press));
        assert!(list.poll_packet(key_press, &mut buf).is_some());
        assert!(RtpHeader::parse(&buf).expect("valid").marker);
        assert!(list.is_finished());
        assert_eq!(list.poll_timeout(), None);
        assert_eq!(list.current().next_due(), key_press + FRAME_DURATION);
    }
}
