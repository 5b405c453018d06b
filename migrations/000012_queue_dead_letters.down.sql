DROP TABLE queue_dead_letters;
