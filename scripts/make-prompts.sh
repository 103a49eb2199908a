#!/usr/bin/env bash
# Regenerates the demo prompts under configs/prompts/ from text (espeak-ng) and a synthesised
# hold tune (sox). The WAV files are committed, so running switchboard needs neither tool.
# Output: 8 kHz mono G.711 mu-law WAV, the format switchboard plays without converting.
#
#   apt-get install -y espeak-ng sox && scripts/make-prompts.sh
set -euo pipefail
cd "$(dirname "$0")/../configs/prompts"

voice=${VOICE:-en-us}
speak() { # name text [lead-in] [tail]
    local tmp
    tmp=$(mktemp --suffix=.wav)
    espeak-ng -v "$voice" -s 150 -w "$tmp" "$2"
    # Normalise, add 300 ms of lead-in so the first syllable is not lost while a phone
    # opens its audio path, and convert to 8 kHz mono mu-law.
    sox "$tmp" -r 8000 -c 1 -e u-law -b 8 "$1.wav" gain -n -3 pad "${3:-0.3}" "${4:-0.2}"
    rm -f "$tmp"
}
# Pieces of a spoken sentence: short gaps, so "twenty" "three" runs together.
word() { speak "$1" "$2" 0.1 0.1; }

speak greeting "Welcome to the agency help line."
speak menu "For benefits, press 1. For immigration and green cards, press 2. For all other questions, press 0."
speak invalid "Sorry, that is not a valid choice."
speak connecting "Please hold. Your call will be answered by the next available agent."
speak goodbye "Thank you for calling. Goodbye."
# Confirmations of agents' feature codes (*45 log in, *46 log out, *47 pause, *48 unpause).
speak agent-logged-in "You are logged in."
speak agent-logged-out "You are logged out."
speak agent-paused "You are paused."
speak agent-available "You are available for calls."
# Queue announcements: place in line and estimated wait, spoken with number prompts.
word position-intro "You are caller number"
word wait-intro "Your estimated wait is"
word minutes "minutes"
word minute "minute"
word wait-short "less than a minute"
words=(zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
    fifteen sixteen seventeen eighteen nineteen twenty)
for i in $(seq 1 20); do word "n$i" "${words[$i]}"; done
tens=(x x twenty thirty forty fifty sixty seventy eighty ninety)
for t in 3 4 5 6 7 8 9; do word "n${t}0" "${tens[$t]}"; done
word many "more than ninety nine"
# Virtual hold.
speak callback-offer "To be called back when it is your turn, instead of waiting, press 1."
speak callback-number "To be called back on the number you are calling from, press the hash key. To be called back on another number, enter it now, followed by the hash key."
speak callback-confirm "Thank you. We will call you back when it is your turn. Goodbye."

# Hold music: a gentle 16-second arpeggio loop (C major / A minor / F major / G major),
# quiet enough not to startle, with soft note envelopes so the loop joins cleanly.
notes=(C4 E4 G4 C5 A3 C4 E4 A4 F3 A3 C4 F4 G3 B3 D4 G4)
parts=()
for i in "${!notes[@]}"; do
    f="note$i.wav"
    sox -n -r 8000 -c 1 -b 16 "$f" synth 1 pluck "${notes[$i]}" fade q 0.02 1 0.3 gain -14
    parts+=("$f")
done
sox "${parts[@]}" -r 8000 -c 1 -e u-law -b 8 hold.wav
rm -f "${parts[@]}"
ls -l ./*.wav
