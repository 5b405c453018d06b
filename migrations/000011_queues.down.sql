SELECT pgmq.drop_queue('centralcloud_patterns_sync');
SELECT pgmq.drop_queue('centralcloud_checks');
SELECT pgmq.drop_queue('centralcloud_learning');
