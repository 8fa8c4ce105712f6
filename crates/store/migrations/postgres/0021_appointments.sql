-- Appointments (预约) after 0019: why a booking was cancelled (by its
-- applicant, or 节假日调整 when the calendar closed its day), when its reminder
-- was written (once, the working day before), and one ticket per booking.
-- The same as migrations/sqlite/0021_appointments.sql.

ALTER TABLE hall_bookings ADD COLUMN cancel_reason TEXT;
ALTER TABLE hall_bookings ADD COLUMN reminded_at BIGINT;
CREATE UNIQUE INDEX hall_bookings_one_ticket ON hall_bookings(ticket_id) WHERE ticket_id IS NOT NULL;
CREATE INDEX hall_bookings_live ON hall_bookings(status, slot_start);
