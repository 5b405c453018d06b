package main

import (
	"context"

	"github.com/centralcloud/centralcloud/config"
	"github.com/centralcloud/centralcloud/learning"
	"github.com/centralcloud/centralcloud/queue"
)

// queueHandlerOptions maps the queue section of the configuration to the
// options of one queue's handler.
func queueHandlerOptions(cfg config.QueueConfig, concurrency int) queue.HandlerOptions {
	return queue.HandlerOptions{
		Concurrency:       concurrency,
		VisibilityTimeout: cfg.VisibilityTimeout,
		Timeout:           cfg.HandlerTimeout,
		MaxReads:          cfg.MaxReads,
		RetryBaseDelay:    cfg.RetryBaseDelay,
		RetryMaxDelay:     cfg.RetryMaxDelay,
		PollWait:          cfg.PollWait,
		PollInterval:      cfg.PollInterval,
	}
}

// addQueueWorkers adds the queue Runner and the retention job to the
// service's background tasks. The Runner gets the learning handler, then
// each function of register, which is where the checks and patterns sync
// handlers join: register(runner, learningHandler) calls runner.Handle with
// queueHandlerOptions. The Runner's metrics go to the service's registry;
// the queue depth gauges are registered by registerQueueCollector.
func (s *service) addQueueWorkers(register ...func(*queue.Runner, *learning.Handler) error) error {
	cfg := s.app.cfg.Queue
	metrics, err := queue.RegisterRunnerMetrics(s.registry)
	if err != nil {
		return err
	}
	runner := queue.NewRunner(s.pool, queue.RunnerOptions{
		Logger: s.app.logger, ShutdownGrace: cfg.ShutdownGrace, Metrics: metrics,
	})
	learningHandler := learning.NewHandler(s.pool)
	err = learningHandler.Register(runner, queueHandlerOptions(cfg, cfg.LearningConcurrency))
	if err != nil {
		return err
	}
	for _, add := range register {
		if err := add(runner, learningHandler); err != nil {
			return err
		}
	}
	retention := learning.NewRetention(s.pool, learning.RetentionOptions{
		Interval: cfg.RetentionInterval, BatchSize: cfg.RetentionBatchSize, Logger: s.app.logger,
	})
	s.background = append(s.background, runner.Run, func(ctx context.Context) error {
		retention.Run(ctx)
		return nil
	})
	return nil
}

// registerQueueCollector adds the queue length and oldest message age
// gauges to the service's registry. Every process role exposes them, so it
// is separate from addQueueWorkers.
func (s *service) registerQueueCollector() error {
	return queue.RegisterQueueCollector(s.registry, s.pool, s.app.logger)
}
