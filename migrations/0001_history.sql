CREATE TABLE `audit` (
	`cluster_id` text NOT NULL,
	`seq` integer NOT NULL,
	`time` integer NOT NULL,
	`user` text NOT NULL,
	`verb` text NOT NULL,
	`resource` text NOT NULL,
	`subresource` text NOT NULL,
	`namespace` text NOT NULL,
	`name` text NOT NULL,
	`path` text NOT NULL,
	`code` integer NOT NULL,
	`latency_ms` integer NOT NULL,
	`user_agent` text NOT NULL,
	PRIMARY KEY(`cluster_id`, `seq`)
);
--> statement-breakpoint
CREATE INDEX `audit_time` ON `audit` (`cluster_id`,`time`);--> statement-breakpoint
CREATE INDEX `audit_user` ON `audit` (`cluster_id`,`user`,`seq`);--> statement-breakpoint
CREATE TABLE `revisions` (
	`cluster_id` text NOT NULL,
	`rv` integer NOT NULL,
	`time` integer NOT NULL,
	`type` text NOT NULL,
	`resource` text NOT NULL,
	`namespace` text NOT NULL,
	`name` text NOT NULL,
	`object` text NOT NULL,
	PRIMARY KEY(`cluster_id`, `rv`)
);
--> statement-breakpoint
CREATE INDEX `revisions_object` ON `revisions` (`cluster_id`,`resource`,`namespace`,`name`,`rv`);--> statement-breakpoint
CREATE INDEX `revisions_time` ON `revisions` (`cluster_id`,`time`);