// Package redisstore keeps a fleet's shared state on Redis.
package redisstore
