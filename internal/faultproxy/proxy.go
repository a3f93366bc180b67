package faultproxy

import "errors"
import "fmt"
import "net"
import "sync"

// Proxy is a TCP proxy between clients and a server that can cut the
// network between them and heal it again, to test how clients behave in a
// partition.
//
// While paused, it accepts connections and reads what either side sends,
// but delivers nothing: both sides see a silent network, as in a
// partition. Heal delivers what was held back and resumes forwarding, as a
// healed network does once TCP retransmits. DropAll closes every
// connection, as a restarted middlebox does.
type Proxy struct {
	ln     net.Listener
	target string

	mu     sync.Mutex
	paused bool
	healed chan struct{} // closed by Heal; replaced by Pause
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// New listens on a free port of 127.0.0.1 and forwards every
// connection to target (host:port).
func New(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("proxy: listen: %w", err)
	}
	healed := make(chan struct{})
	close(healed)
	p := &Proxy{ln: ln, target: target, healed: healed, conns: make(map[net.Conn]struct{})}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr returns the host:port clients connect to.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Pause stops delivering data in both directions, on existing and new
// connections alike, until Heal.
func (p *Proxy) Pause() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.paused {
		p.paused = true
		p.healed = make(chan struct{})
	}
}

// Heal resumes delivery, starting with the data held back while paused.
func (p *Proxy) Heal() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.paused {
		p.paused = false
		close(p.healed)
	}
}

// DropAll closes every open connection; new ones are accepted as usual.
func (p *Proxy) DropAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		_ = c.Close()
	}
}

// Close stops listening, closes every connection and waits for the
// forwarding goroutines to end.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	if p.paused {
		p.paused = false
		close(p.healed)
	}
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	err := p.ln.Close()
	p.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// gate returns a channel that is closed once data may flow.
func (p *Proxy) gate() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.healed
}

// track registers c; it reports false when the proxy is closed (c is then
// closed).
func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		_ = c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	_ = c.Close()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.track(client) {
			continue
		}
		p.wg.Add(1)
		go p.serve(client)
	}
}

// serve connects client to the target, once the network is up, and
// forwards both ways until either side closes.
func (p *Proxy) serve(client net.Conn) {
	defer p.wg.Done()
	defer p.untrack(client)
	<-p.gate()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	if !p.track(server) {
		return
	}
	defer p.untrack(server)
	done := make(chan struct{}, 2)
	p.wg.Add(2)
	go p.pipe(server, client, done)
	go p.pipe(client, server, done)
	<-done
	// One direction ended: close both, so the other one ends too.
	_ = client.Close()
	_ = server.Close()
	<-done
}

// pipe copies from src to dst, holding each chunk back while paused.
func (p *Proxy) pipe(dst, src net.Conn, done chan<- struct{}) {
	defer p.wg.Done()
	defer func() { done <- struct{}{} }()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			<-p.gate()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return // EOF or a closed connection: this direction is done
		}
	}
}
