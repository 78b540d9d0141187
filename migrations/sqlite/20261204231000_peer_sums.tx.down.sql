DROP TABLE peer_sums;
--bun:split
DROP TABLE peer_events;
