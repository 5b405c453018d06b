-- The three CentralCloud queues. pgmq.create does nothing for a queue that
-- exists, so this is safe on a server where an operator created them.
SELECT pgmq.create('centralcloud_learning');
SELECT pgmq.create('centralcloud_checks');
SELECT pgmq.create('centralcloud_patterns_sync');
