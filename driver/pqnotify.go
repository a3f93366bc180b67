package driver

import sqldriver "database/sql/driver"
import "fmt"
import "reflect"
import "unsafe"

// This file lets an unwrapped lib/pq handle LISTEN without this package
// importing lib/pq, so that a program that does not use lib/pq (a pgx
// program) does not link it. lib/pq hands notifications only to a handler
// installed on its connection; pq.SetNotificationHandler sets the
// connection's notificationHandler field, a func(*pq.Notification), and
// setPQNotificationHandler sets the same field through reflection. When a
// lib/pq release changes that field, it reports ErrUnsupported and the
// engine polls instead; the conformance entries on lib/pq check that the
// version this module requires can LISTEN.

// The lib/pq connection type and the field of its notification handler.
const (
	pqPackage      = "github.com/lib/pq"
	pqConnType     = "conn"
	pqHandlerField = "notificationHandler"
)

// isPQConn reports whether c is a lib/pq connection.
func isPQConn(c sqldriver.Conn) bool {
	t := reflect.TypeOf(c)
	return t.Kind() == reflect.Pointer && t.Elem().PkgPath() == pqPackage && t.Elem().Name() == pqConnType
}

// setPQNotificationHandler makes c, a lib/pq connection, call handle with
// the channel and payload of every notification it reads, as
// pq.SetNotificationHandler does. Like that function, it must run while
// no statement uses c (inside database/sql's Conn.Raw).
func setPQNotificationHandler(c sqldriver.Conn, handle func(channel, payload string)) error {
	unsupported := fmt.Errorf("%w: LISTEN over lib/pq connection %T: no notification handler field", ErrUnsupported, c)
	v := reflect.ValueOf(c)
	if !isPQConn(c) || v.IsNil() {
		return unsupported
	}
	field := v.Elem().FieldByName(pqHandlerField)
	if !field.IsValid() || !field.CanAddr() {
		return unsupported
	}
	ft := field.Type()
	if ft.Kind() != reflect.Func || ft.NumIn() != 1 || ft.NumOut() != 0 || ft.IsVariadic() {
		return unsupported
	}
	arg := ft.In(0)
	if arg.Kind() != reflect.Pointer || arg.Elem().Kind() != reflect.Struct {
		return unsupported
	}
	channel, okChannel := arg.Elem().FieldByName("Channel")
	payload, okPayload := arg.Elem().FieldByName("Extra")
	if !okChannel || !okPayload || channel.Type.Kind() != reflect.String || payload.Type.Kind() != reflect.String {
		return unsupported
	}
	handler := reflect.MakeFunc(ft, func(args []reflect.Value) []reflect.Value {
		if n := args[0]; !n.IsNil() {
			handle(n.Elem().FieldByIndex(channel.Index).String(), n.Elem().FieldByIndex(payload.Index).String())
		}
		return nil
	})
	reflect.NewAt(ft, unsafe.Pointer(field.UnsafeAddr())).Elem().Set(handler)
	return nil
}
